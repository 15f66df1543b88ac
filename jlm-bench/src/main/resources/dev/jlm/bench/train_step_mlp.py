# PyTorch peer of `./jlm bench train-step`: forward + backward + AdamW of the same MLP, median ms/step.
# Usage: python3 train_step_mlp.py WARMUP STEPS THREADS   -> prints one JSON line {"peer_ms": ...}
import json, sys, time
import torch
from blas_info import blas_info

warmup, steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
batch, width, depth, classes = 256, 1024, 3, 10
layers = []
inp = width
for _ in range(depth):
    layers += [torch.nn.Linear(inp, width), torch.nn.GELU()]
    inp = width
layers.append(torch.nn.Linear(width, classes))
model = torch.nn.Sequential(*layers)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
x = torch.randn(batch, width)
y = torch.randint(0, classes, (batch,))
times = []
for i in range(warmup + steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    t1 = time.perf_counter()
    if i >= warmup:
        times.append((t1 - t0) * 1000)
times.sort()
print(json.dumps({"peer_ms": times[len(times) // 2], "torch": torch.__version__, "threads": torch.get_num_threads(), **blas_info(),
                  "loss": float(loss)}))
