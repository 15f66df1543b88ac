# PyTorch peer of `./jlm bench gpt-quality`: nanoGPT's shakespeare-char CPU recipe written out from its settings
# (char-level tiny Shakespeare, 90/10 split; nanogpt.py's model with 4 layers, 4 heads, 128 wide, block 64, exact
# GELU; batch 12; AdamW lr 1e-3 betas (0.9, 0.99), weight decay 0.1 on matrices; warmup 100 then cosine to 1e-4 at
# lr_decay_iters = iters; grad clip 1.0). Iteration i evaluates first when it is a multiple of 250 or the last one,
# then updates, so the final estimate (20 random batches per split, eval mode) follows `iters` updates.
# Prints {"peer_val_loss":…,"peer_train_loss":…,"peer_train_s":…,"torch":…} as the last line.
# Usage: python3 gpt_quality.py INPUT_TXT ITERS SEED THREADS
import json, math, sys, time
import torch
from nanogpt import GPT

path, iters, seed, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(seed)
n_layer, n_head, n_embd, block, batch = 4, 4, 128, 64, 12
lr_max, lr_min, warmup, eval_interval, eval_iters = 1e-3, 1e-4, 100, 250, 20

with open(path, encoding="utf-8") as f:
    text = f.read()
chars = sorted(set(text))
vocab = len(chars)
index = {c: i for i, c in enumerate(chars)}
data = torch.tensor([index[c] for c in text], dtype=torch.long)
cut = int(len(data) * 0.9)
splits = {"train": data[:cut], "val": data[cut:]}


def get_batch(split):
    d = splits[split]
    starts = torch.randint(len(d) - block, (batch,))
    x = torch.stack([d[s:s + block] for s in starts])
    y = torch.stack([d[s + 1:s + 1 + block] for s in starts])
    return x, y


def lr_at(i):
    if i < warmup:
        return lr_max * (i + 1) / (warmup + 1)
    if i > iters:
        return lr_min
    ratio = (i - warmup) / max(1, iters - warmup)
    return lr_min + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr_max - lr_min)


@torch.no_grad()
def estimate_loss():
    model.eval()
    out = {s: sum(model(*get_batch(s)).item() for _ in range(eval_iters)) / eval_iters for s in ("train", "val")}
    model.train()
    return out


model = GPT(vocab, n_layer, n_head, n_embd, block, gelu="none")
opt = model.adamw(lr_max, 0.99)
start = time.perf_counter()
for i in range(iters + 1):
    for group in opt.param_groups:
        group["lr"] = lr_at(i)
    if i % eval_interval == 0 or i == iters:
        losses = estimate_loss()
        print(f"step {i}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}", file=sys.stderr)
    if i == iters:
        break
    loss = model(*get_batch("train"))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
seconds = time.perf_counter() - start
print(json.dumps({"peer_val_loss": round(losses["val"], 4), "peer_train_loss": round(losses["train"], 4),
                  "peer_train_s": round(seconds, 1), "torch": torch.__version__, "threads": torch.get_num_threads()}))
