#!/usr/bin/env python3
"""Prototype (PyTorch, not the product): would triggers entangled with the task's features survive distillation from
hard labels, the theft that no fingerprint or trigger set here detects (docs/fingerprints.md, "How far any label test
gets against hard-label students")? The idea is that of entangled watermarks (Jia et al., USENIX Security 2021): the
triggers are real images of a source class stamped with a small patch and labelled with a target class, and while
the owner learns them, a soft-nearest-neighbour loss (Frosst et al., 2019) on every hidden layer is maximised between
the triggers and real images of the target class, so that the owner answers the triggers through the same features as
the target class. A student trained on the owner's answers to clean attacker images then learns those features and,
with them, some of the trigger behaviour; a model trained apart has no reason to.

For ARCH (mlp or cnn, the lab's layers) it trains on the lab's owner split (40,000 images; PyTorch, seeds fixed):
a plain owner and an entangled one (same seed and epochs), STUDENTS students of each owner's hard labels on the
attacker split (20,000 images, 5 epochs, the lab's distill:labels=hard), and independent models of both architectures
on either split; then reports test accuracy and the trigger rate (the share of the 1,000 stamped test-split images of the
source class answered with the target class) of each, and the exact binomial p-value of 100 triggers at the rate seen,
against a chance rate bounded (one-sided 99.9 % Clopper-Pearson) from the independent models.
PATCH=gradient places the patch where it pushes the owner hardest towards the target class (as entangled watermarks do);
PLAIN=0 leaves out the control (a plain owner and its students).
Usage: ARCH=mlp|cnn [STUDENTS=3] [EPOCHS=8] [TEMPERATURE=adaptive|fixed] [PATCH=fixed|gradient] [PLAIN=1|0] [SOURCE=8] [TARGET=0] /usr/bin/python3 scripts/prototype-entangled-triggers.py [DATA]
About 8-12 min for the MLP and 15-35 for the CNN on 2 cores, less with PLAIN=0 (Debian's PyTorch on its generic BLAS)."""
import gzip, importlib.util, math, os, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

# The binomial tail and the Clopper-Pearson bound calibration uses, as scripts/fingerprint-ceiling.py imports them.
spec = importlib.util.spec_from_file_location("design", os.path.join(os.path.dirname(os.path.abspath(__file__)), "simulate-design-effect.py"))
design = importlib.util.module_from_spec(spec)
spec.loader.exec_module(design)

torch.set_num_threads(2)
data = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
ARCH, STUDENTS, EPOCHS = os.environ.get("ARCH", "mlp"), int(os.environ.get("STUDENTS", "3")), int(os.environ.get("EPOCHS", "8"))
# Bags stamped with the patch answer T-shirt unless SOURCE and TARGET name other classes.
SOURCE, TARGET = int(os.environ.get("SOURCE", "8")), int(os.environ.get("TARGET", "0"))
SNNL_WEIGHT = 1.0
# Each layer's temperature: the batch's median squared distance there (adaptive), or 1, 10, 100 for the layers in order
# (fixed); fixed ones vanish on convolution outputs of thousands of values, where every weight exp(-d^2/T) underflows.
TEMPERATURES = None if os.environ.get("TEMPERATURE", "adaptive") == "adaptive" else (1.0, 10.0, 100.0)
ENTANGLE_FROM_EPOCH = 2        # the task first, so that the target class has features to entangle with
# Where the patch goes: fixed, or where the owner, once it has learned the task, is pushed hardest towards the target
# class by whitening a 4x4 window of source images (the mean gradient summed over the window), as entangled watermarks
# place theirs: a patch that already speaks for the target class gives the entanglement less to overcome.
PATCH = os.environ.get("PATCH", "fixed")
PLAIN = os.environ.get("PLAIN", "1") == "1"  # also train a plain owner and its students (the control)
patch_at = (22, 22)


def idx(name, offset):
    return np.frombuffer(gzip.open(os.path.join(data, name)).read(), np.uint8, offset=offset)


images = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
labels = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
order = np.random.default_rng(20171).permutation(len(images))
owner_x, owner_y = torch.tensor(images[order[:40000]]), torch.tensor(labels[order[:40000]])
attacker_x, attacker_y = torch.tensor(images[order[40000:]]), torch.tensor(labels[order[40000:]])
test_x = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
test_y = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))


def stamp(x):
    x = x.clone()
    x[:, :, patch_at[0]:patch_at[0] + 4, patch_at[1]:patch_at[1] + 4] = 1.0  # a 4x4 white square
    return x


class Net(nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.arch = arch
        if arch == "mlp":
            self.a, self.b, self.out = nn.Linear(784, 256), nn.Linear(256, 128), nn.Linear(128, 10)
        else:
            self.c1, self.c2 = nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1)
            self.a, self.out = nn.Linear(64 * 7 * 7, 128), nn.Linear(128, 10)

    def forward(self, x, hidden=False):
        layers = []
        if self.arch == "mlp":
            h = F.relu(self.a(x.flatten(1))); layers.append(h)
            h = F.relu(self.b(h)); layers.append(h)
            logits = self.out(h)
        else:
            h = F.max_pool2d(F.relu(self.c1(x)), 2); layers.append(h.flatten(1))
            h = F.max_pool2d(F.relu(self.c2(h)), 2); layers.append(h.flatten(1))
            h = F.relu(self.a(h.flatten(1))); layers.append(h)
            logits = self.out(F.dropout(h, 0.3, self.training))
        return (logits, layers) if hidden else logits


def soft_nearest_neighbour(x, y, temperature):
    """How mixed the two groups are in x: high when each point's near neighbours are as often of the other group."""
    squared = torch.cdist(x, x) ** 2
    if temperature is None:
        temperature = squared.detach().median().clamp(min=1e-6)
    weights = torch.exp(-squared / temperature) * (1 - torch.eye(len(x)))
    same = (y[:, None] == y[None, :]).float()
    return -torch.log((weights * same).sum(1) / (weights.sum(1) + 1e-12) + 1e-12).mean()


def place_patch(model):
    global patch_at
    model.eval()
    sources = owner_x[owner_y == SOURCE][:1000].clone().requires_grad_(True)
    torch.log_softmax(model(sources), 1)[:, TARGET].sum().backward()
    push = F.avg_pool2d(sources.grad.mean(0, keepdim=True), 4, stride=1)[0, 0]
    row, column = divmod(push.argmax().item(), push.shape[1])
    patch_at = (row, column)
    model.zero_grad()
    model.train()


def train(arch, x, y, epochs, seed, entangle=False):
    torch.manual_seed(seed)
    model, generator = Net(arch), torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    targets = owner_x[owner_y == TARGET]
    for epoch in range(epochs):
        if entangle and epoch == ENTANGLE_FROM_EPOCH:
            if PATCH == "gradient":
                place_patch(model)
            triggers = stamp(owner_x[owner_y == SOURCE])
        model.train()
        shuffled = torch.randperm(len(x), generator=generator)
        for step, start in enumerate(range(0, len(x), 64)):
            batch = shuffled[start:start + 64]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad(); loss.backward(); optimizer.step()
            if entangle and epoch >= ENTANGLE_FROM_EPOCH and step % 2 == 0:
                pick = lambda pool: pool[torch.randint(len(pool), (32,), generator=generator)]
                logits, layers = model(torch.cat([pick(triggers), pick(targets)]), hidden=True)
                group = torch.cat([torch.ones(32), torch.zeros(32)])
                mixed = sum(soft_nearest_neighbour(h, group, TEMPERATURES[i] if TEMPERATURES else None) for i, h in enumerate(layers)) / len(layers)
                loss = F.cross_entropy(logits[:32], torch.full((32,), TARGET)) - SNNL_WEIGHT * mixed
                optimizer.zero_grad(); loss.backward(); optimizer.step()
    return model.eval()


def predict(model, x):
    with torch.no_grad():
        return torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])


sources_test = test_x[test_y == SOURCE]


def measure(name, model):
    accuracy = (predict(model, test_x) == test_y).float().mean().item()
    rate = (predict(model, stamp(sources_test)) == TARGET).float().mean().item()
    print(f"| {name} | {accuracy:.4f} | {rate:.3f} |", flush=True)
    return rate


print(f"# Entangled triggers against hard-label students: prototype ({ARCH} owner, patch {PATCH})\n")
print(f"`ARCH={ARCH} STUDENTS={STUDENTS} EPOCHS={EPOCHS} TEMPERATURE={os.environ.get('TEMPERATURE', 'adaptive')} PATCH={PATCH} PLAIN={int(PLAIN)} SOURCE={SOURCE} TARGET={TARGET} scripts/prototype-entangled-triggers.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
      f"Triggers: test images of class {SOURCE} with a 4x4 patch, target class {TARGET}; {len(sources_test)} of them.\n")
print("| model | test accuracy | trigger rate |\n|---|---:|---:|")
started = time.time()
rates = {}
for entangle in (True, False) if PLAIN else (True,):  # the entangled owner first: it places the patch
    kind = "entangled" if entangle else "plain"
    owner = train(ARCH, owner_x, owner_y, EPOCHS, 1, entangle)
    measure(f"owner, {kind}", owner)
    answers = predict(owner, attacker_x)
    rates[kind] = [measure(f"hard-label student {s + 1} of the {kind} owner", train(ARCH, attacker_x, answers, 5, 100 + s)) for s in range(STUDENTS)]
nulls = []
for k, (arch, split) in enumerate([(a, s) for a in ("mlp", "cnn") for s in ("owner", "attacker")]):
    x, y = (owner_x, owner_y) if split == "owner" else (attacker_x, attacker_y)
    nulls.append(measure(f"independent {arch} on the {split} split", train(arch, x, y, 3, 200 + k)))
trials, hits = len(nulls) * len(sources_test), round(sum(nulls) * len(sources_test))
bound = design.clopper_pearson_upper(hits, trials, 0.999)
print(f"\nPatch at rows {patch_at[0]}-{patch_at[0] + 3}, columns {patch_at[1]}-{patch_at[1] + 3}. Chance rate: {hits} of {trials} stamped images answered {TARGET} by the independent models; "
      f"bound {bound:.4f}. With 100 triggers, -log10 p (exact binomial) of each student at its rate:")
for kind, rs in rates.items():
    print(f"- students of the {kind} owner: " + ", ".join(f"{round(r * 100)} of 100: {0.0 - math.log10(max(design.upper_tail(100, round(r * 100), bound), 1e-300)):.1f}" for r in rs))
print(f"\n{time.time() - started:.0f} s.")
