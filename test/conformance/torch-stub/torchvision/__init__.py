import sys

import torch

__version__ = "0.0.0+stub"
torch.stub_package(sys.modules[__name__])
