# Writes pytorch_model.bin, a tiny state dict saved by PyTorch itself, and expected.json with its values.
# Run with Debian's PyTorch: /usr/bin/python3 make_fixture.py (the committed files came from torch 1.13).
import collections, json
import torch

torch.manual_seed(0)
base = torch.randn(3, 4)
state = collections.OrderedDict()
state["encoder.weight"] = torch.randn(2, 3)
state["encoder.bias"] = torch.randn(3).half()
state["head.weight"] = base.t()                 # a transposed view: non-contiguous strides
state["head.bias"] = base[1]                    # shares the storage of head.weight, with an offset
state["ids"] = torch.arange(5, dtype=torch.int64)
state["scale"] = torch.tensor([1.5, -2.25], dtype=torch.bfloat16)
torch.save(state, "pytorch_model.bin")
expected = {k: {"shape": list(v.shape), "values": v.float().flatten().tolist()} for k, v in state.items()}
json.dump(expected, open("expected.json", "w"), indent=1)
