# PyTorch peer of `./jlm bench gpt-quality`: nanoGPT's shakespeare-char CPU recipe in lockstep with jlm's run. It starts
# from jlm's initial weights (DIR/init, Hugging Face GPT-2 layout) and trains on the windows jlm drew (DIR/batches.bin),
# so the two runs differ only in arithmetic: nanogpt.py's model (4 layers, 4 heads, 128 wide, block 64, exact GELU);
# AdamW lr 1e-3 betas (0.9, 0.99), weight decay 0.1 on matrices; warmup 100 then cosine to 1e-4 at ITERS; grad clip 1.0.
# The final estimate reads the windows of jlm's (20 batches per split, eval mode).
# batches.bin: int32 little-endian; per step the inputs then the targets of 12 x 64 tokens, then the estimate's
# batches (inputs, targets) of the train split and of the val split.
# Prints {"peer_val_loss":…,"peer_train_loss":…,"peer_losses":[one per step],"peer_train_s":…,"torch":…} last.
# Usage: python3 gpt_quality.py DIR ITERS THREADS
import json, math, os, sys, time
import numpy as np
import torch
from blas_info import blas_info
from nanogpt import GPT

folder, iters, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
n_layer, n_head, n_embd, block, batch = 4, 4, 128, 64, 12
lr_max, lr_min, warmup, eval_iters = 1e-3, 1e-4, 100, 20


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header, base = json.loads(raw[8:8 + n]), 8 + n
    return {k: torch.from_numpy(np.frombuffer(raw[base + v["data_offsets"][0]:base + v["data_offsets"][1]],
                                              dtype=np.float32).reshape(v["shape"]).copy())
            for k, v in header.items() if k != "__metadata__"}


weights = read_safetensors(os.path.join(folder, "init", "model.safetensors"))
vocab = weights["transformer.wte.weight"].shape[0]
model = GPT(vocab, n_layer, n_head, n_embd, block, gelu="none")
with torch.no_grad():
    model.wte.weight.copy_(weights["transformer.wte.weight"])
    model.wpe.weight.copy_(weights["transformer.wpe.weight"])
    model.ln_f.weight.copy_(weights["transformer.ln_f.weight"])
    for i, b in enumerate(model.h):
        p = f"transformer.h.{i}."
        b.ln_1.weight.copy_(weights[p + "ln_1.weight"])
        b.ln_2.weight.copy_(weights[p + "ln_2.weight"])
        # GPT-2's Conv1D stores [in, out]; nn.Linear stores [out, in].
        b.c_attn.weight.copy_(weights[p + "attn.c_attn.weight"].t())
        b.c_proj.weight.copy_(weights[p + "attn.c_proj.weight"].t())
        b.c_fc.weight.copy_(weights[p + "mlp.c_fc.weight"].t())
        b.mlp_proj.weight.copy_(weights[p + "mlp.c_proj.weight"].t())

windows = torch.from_numpy(np.fromfile(os.path.join(folder, "batches.bin"), dtype="<i4").astype(np.int64))
windows = windows.view(-1, 2, batch, block)
assert windows.shape[0] == iters + 2 * eval_iters, f"batches.bin holds {windows.shape[0]} batches"


def lr_at(i):
    if i < warmup:
        return lr_max * (i + 1) / (warmup + 1)
    ratio = (i - warmup) / max(1, iters - warmup)
    return lr_min + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr_max - lr_min)


opt = model.adamw(lr_max, 0.99)
losses = []
start = time.perf_counter()
for i in range(iters):
    for group in opt.param_groups:
        group["lr"] = lr_at(i)
    loss = model(windows[i, 0], windows[i, 1])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    losses.append(round(loss.item(), 6))
seconds = time.perf_counter() - start
model.eval()
with torch.no_grad():
    estimate = [sum(model(windows[k, 0], windows[k, 1]).item() for k in range(first, first + eval_iters)) / eval_iters
                for first in (iters, iters + eval_iters)]
print(json.dumps({"peer_val_loss": round(estimate[1], 4), "peer_train_loss": round(estimate[0], 4), "peer_losses": losses,
                  "peer_train_s": round(seconds, 1), "torch": torch.__version__, "threads": torch.get_num_threads(), **blas_info()}))
