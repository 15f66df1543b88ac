# PyTorch peer of `./jlm bench gpt-train-step`: nanoGPT's model (nanogpt.py, with GPT-2's tanh GELU like jlm's side)
# at the shakespeare-char CPU recipe's size; one step = forward + backward + grad clip 1.0 + AdamW. Prints the median ms/step as one JSON line.
# Usage: python3 gpt_train_step.py WARMUP STEPS THREADS
import json, sys, time
import torch
from blas_info import blas_info
from nanogpt import GPT

warmup, steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(1337)
n_layer, n_head, n_embd, block, batch, vocab = 4, 4, 128, 64, 12, 65
model = GPT(vocab, n_layer, n_head, n_embd, block, gelu="tanh")
opt = model.adamw(1e-3, 0.99)
x = torch.randint(0, vocab, (batch, block))
y = torch.randint(0, vocab, (batch, block))
times = []
for i in range(warmup + steps):
    t0 = time.perf_counter()
    loss = model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    if i >= warmup:
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"peer_ms": times[len(times) // 2], "torch": torch.__version__, "threads": torch.get_num_threads(), **blas_info()}))
