# PyTorch peer of `./jlm bench gpt-quality`: nanoGPT's shakespeare-char CPU recipe written out from its settings
# (char-level tiny Shakespeare, 90/10 split; 4 layers, 4 heads, 128 wide, block 64, batch 12, bias=False, dropout 0,
# exact GELU, tied head, N(0, 0.02) init with residual projections at 0.02/sqrt(2*n_layer); AdamW lr 1e-3 betas
# (0.9, 0.99) eps 1e-8, weight decay 0.1 on tensors of 2 or more dimensions; warmup 100 then cosine to 1e-4 at
# lr_decay_iters = iters; grad clip 1.0). Iteration i evaluates first when it is a multiple of 250 or the last one,
# then updates, so the final estimate (20 random batches per split, eval mode) follows `iters` updates.
# Prints {"peer_val_loss":…,"peer_train_loss":…,"peer_train_s":…,"torch":…} as the last line.
# Usage: python3 gpt_quality.py INPUT_TXT ITERS SEED THREADS
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

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


class LayerNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = LayerNorm(n_embd), LayerNorm(n_embd)
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
        self.mlp_proj = nn.Linear(4 * n_embd, n_embd, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def attn(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(n_embd, dim=2)
        q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
        k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
        v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, n_embd), nn.Embedding(block, n_embd)
        self.h = nn.ModuleList([Block() for _ in range(n_layer)])
        self.ln_f = LayerNorm(n_embd)
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                residual = name.endswith("c_proj.weight") or name.endswith("mlp_proj.weight")
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer) if residual else 0.02)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        for b in self.h:
            x = b(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, vocab), targets.view(-1))


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


model = GPT()
decay = [p for p in model.parameters() if p.dim() >= 2]
plain = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                        lr=lr_max, betas=(0.9, 0.99), eps=1e-8)
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
