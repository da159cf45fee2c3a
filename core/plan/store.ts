import { serviceImage } from "../catalog/services";
import type { Fleet } from "../fleet/schema";
import { baseContainer, httpHealthCheck, listenHost, publishedPorts } from "./containers";
import type { ResolvedFleet } from "./resolve";
import type { StorePlan } from "./types";

/** MinIO with a data volume; the first bucket holds models and is versioned so a bad upload can be rolled back. */
export function planStore(fleet: Fleet, resolved: ResolvedFleet): StorePlan | null {
  const storage = fleet.storage;
  const machine = resolved.machines.find((m) => m.spec.name === storage?.machine);
  if (!storage || !machine) return null;
  const secret = (f: typeof storage.rootUser) => (typeof f === "object" ? f.secret : "");
  const listen = listenHost(machine);
  return {
    machine: machine.spec.name,
    endpoint: `http://${machine.spec.address}:${storage.port}`,
    buckets: [...storage.buckets],
    versionedBuckets: storage.buckets.slice(0, 1),
    rootUserSecret: secret(storage.rootUser),
    rootPasswordSecret: secret(storage.rootPassword),
    container: {
      ...baseContainer("minio", serviceImage("minio", fleet.images), machine),
      args: ["server", "/data", "--address", `${listen}:${storage.port}`, "--console-address", `${listen}:${storage.consolePort}`],
      secretEnv: [
        { name: "MINIO_ROOT_USER", secret: secret(storage.rootUser) },
        { name: "MINIO_ROOT_PASSWORD", secret: secret(storage.rootPassword) },
      ],
      ports: publishedPorts(machine, [storage.port, storage.consolePort]),
      health: httpHealthCheck(machine, storage.port, "/minio/health/live", 30),
      labels: { "fabric.machine": machine.spec.name, "fabric.role": "store" },
      volumes: [{ volume: "fabric-minio-data", containerPath: "/data" }],
    },
  };
}
