#!/usr/bin/env python3
"""Turns the answers scripts/bench-fingerprint collected into the Markdown table of docs/results/fingerprint.md.
Usage: fingerprint-report.py WORK PROFILE DATA (called by scripts/bench-fingerprint)."""
import datetime, glob, json, math, os, statistics, sys

work, profile, data = sys.argv[1:4]
# The data folder as a path inside the repository when it is one (the shipped sample), so the page reads the same anywhere.
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.abspath(data).startswith(repo + os.sep):
    data = os.path.relpath(os.path.abspath(data), repo)
manifest = json.load(open(os.path.join(work, "zoo", "manifest.json")))
models = {m["id"]: m for m in manifest["models"]}
ALPHA_LOG10 = -6.0


def family(lineage):
    if "+" in lineage:
        return "combinations"
    name, _, args = lineage.partition(":")
    params = dict(a.split("=", 1) for a in args.split(",") if "=" in a)
    if name == "prune":
        return "pruning"
    if name == "noise":
        return "noise"
    if name in ("int8", "fp16"):
        return "quantization"
    if name in ("finetune", "retrain-last"):
        return "fine-tuning"
    if name in ("permute", "rescale", "dummy-neurons"):
        return "permutation/rescaling"
    if name == "distill":
        if params.get("arch", "same") != "same":
            return "distillation, other architecture"
        return "distillation, soft labels" if params.get("labels") == "soft" else "distillation, hard labels"
    return name


def score(doc):
    """The ranking score: -log10 of (smallest p-value over the comparators that ran x their number), the
    Bonferroni-corrected p-value without its cap at 1. The cap would tie every copy with weak evidence with most
    negatives at 0 and so hide how they rank; below 0 the score still orders them."""
    return max(-c["log10PValue"] for c in doc["comparators"] if c.get("test")) - math.log10(doc["comparatorsRun"])


def corrected(doc):
    """-log10 of the smallest Bonferroni-corrected p-value (capped at 1), as the verdict uses it."""
    return max(-c["log10CorrectedPValue"] for c in doc["comparators"] if c.get("test"))


def log10_upper_tail(n, k, p):
    """log10 P(X >= k) for X ~ Binomial(n, p), summed in log space."""
    if k <= 0:
        return 0.0
    if k > n or p <= 0:
        return float("-inf")
    if p >= 1:
        return 0.0
    terms = [math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1) + x * math.log(p) + (n - x) * math.log1p(-p)
             for x in range(k, n + 1)]
    top = max(terms)
    return (top + math.log(sum(math.exp(t - top) for t in terms))) / math.log(10)


def plain_corrected(doc):
    """-log10 of the smallest corrected p-value under the binomial test (every trial independent at the chance rate, the
    test before 2026-12-06), recomputed from the same answers."""
    return max(-min(0.0, log10_upper_tail(c["trials"], c["successes"], c["chanceRate"]) + math.log10(c["comparisons"]))
               for c in doc["comparators"] if c.get("test"))


def labels_only_score(doc):
    """What a labels-only endpoint would give: the label-agreement comparators alone, Bonferroni over them."""
    labels = [c for c in doc["comparators"] if c["comparator"].startswith("label-agreement") and c.get("test")]
    return max(-(c["log10PValue"] + math.log10(len(labels))) for c in labels)


def auc(items, keep=lambda negative: True):
    """ROC AUC over (copy, negative) pairs, each copy against the negatives compared with its own owner's kit (their
    scores differ from owner to owner); keep selects which negatives count. Returns (auc, pairs)."""
    pairs = [(i["score"], n["score"]) for i in items for n in negatives[i["kit"]] if keep(n)]
    if not pairs:
        return float("nan"), 0
    return sum(1.0 if p > q else 0.5 if p == q else 0.0 for p, q in pairs) / len(pairs), len(pairs)


def zero_fpr(items):
    """Share of copies scoring above every negative compared with their own kit."""
    return sum(i["score"] > max(n["score"] for n in negatives[i["kit"]]) for i in items) / max(1, len(items))


# Each owner has several fingerprints (results/fp1, fp2, ...), each recorded afresh; a kit is one (fingerprint, owner).
fps = sorted((d for d in os.listdir(os.path.join(work, "results")) if d.startswith("fp")), key=lambda d: int(d[2:]))
owners = sorted(m["id"] for m in manifest["models"] if m["role"] == "owner")
rows, negatives, records = [], {}, {}
for fp in fps:
    for owner in owners:
        kit = (fp, owner)
        records[kit] = json.load(open(os.path.join(work, "results", fp, owner + ".record.json")))
        folder = os.path.join(work, "results", fp, owner)
        for name in sorted(os.listdir(folder)):
            doc = json.load(open(os.path.join(folder, name)))
            model = models[name[:-5]]
            item = dict(fp=fp, owner=owner, kit=kit, model=model, doc=doc, score=score(doc), lo=labels_only_score(doc))
            if model["role"] == "negative":
                negatives.setdefault(kit, []).append(item)
            else:
                rows.append(item)

out = []
w = out.append
# When the comparisons were made (the newest answer file), so that regenerating the page does not re-date old figures.
measured = max(os.path.getmtime(f) for f in glob.glob(os.path.join(work, "results", "fp*", "*", "*.json")))
now = datetime.datetime.fromtimestamp(measured, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
references = len(next(iter(records.values()))["nullModels"])
w("# Query fingerprints: benchmark (generated by scripts/bench-fingerprint; do not edit)")
w("")
w(f"{now}, {os.cpu_count()} cores, zoo profile `{profile}` on `{data}` ({manifest['data']['ownerImages']} owner / "
  f"{manifest['data']['attackerImages']} attacker / {manifest['data']['testImages']} test images), {len(fps)} fingerprints per owner, "
  f"each recorded afresh (its own random queries). Command: `FINGERPRINTS={len(fps)} "
  f"{'' if references == 24 else f'REFERENCES={references} '}scripts/bench-fingerprint {profile}`.")
w("")
for (fp, owner), rec in records.items():
    if fp != fps[0]:
        continue
    w(f"Owner `{owner}`, fingerprint 1: {rec['queries']} queries ({', '.join(f'{v} {k}' for k, v in rec['kinds'].items())}); calibrated on "
      f"{len(rec['nullModels'])} reference models trained apart from the zoo ({', '.join(rec['nullModels'])}); "
      + "; ".join(f"{c['comparator']}: chance rate {c['chanceRate']:.4f}, "
                 + (f"needs {c['successesNeeded']}/{c['trials']}" if c['successesNeeded'] <= c['trials'] else f"cannot reject with {c['trials']} trials")
                 for c in rec["comparators"]) + ".")
timed = {}
for fp, o in records:
    path = os.path.join(work, "results", fp, o + ".record.time")
    if os.path.exists(path):
        timed.setdefault(o, []).append(open(path).read().split())
if timed:
    w("Recording (`fingerprint record`, with the reference models given, so none is trained): "
      + "; ".join(f"`{o}` {', '.join(f'{float(t[0]):.1f}' for t in ts)} s, peak RSS up to {max(int(t[1]) for t in ts) / 1024:.0f} MB"
                  for o, ts in timed.items()) + ".")
    w("")
if profile == "quick":
    w("Caveats: the quick zoo has one weak owner (an MLP trained 3 epochs on 2,666 images) and few copies per family, so an AUC of 1.000 "
      "here rests on 2-3 copies; its distillation copies lose more than 5 points and so do not count. The query selection and the "
      "per-kind comparators were designed while looking at this zoo (the thresholds themselves come only from the reference models). "
      "The full profile is the real test.")
    w("")
if profile == "full-mlp":
    w("Caveats: one owner (the full profile's MLP) and only MLP negatives, the hardest for it (its own architecture; half trained on "
      "its own images), so the false-positive side is harsher and the detection side narrower than the full profile's.")
    w("")
w("Positives are the owner's copies after each attack; an attack counts only if the copy keeps its test accuracy within 5 points "
  "of the owner's (DESIGN.md, The lab). Negatives: the zoo's independently trained models. Score for ROC: −log10 of the smallest "
  "Bonferroni-corrected p-value over the comparators, not capped at 1 (the cap would tie most weak copies with most negatives at "
  "0; with it the ranking of weak evidence is lost, which matters for hard-label distillation); each copy is ranked against the negatives compared with the same kit. "
  "Detected: verdict `clone` at alpha 1e-6. Labels-only: the label-agreement test alone "
  "(what a labels-only endpoint allows). Every figure pools the fingerprints: a copy compared with each of the "
  f"{len(fps)} fingerprints counts {len(fps)} times, so a family's counts are copies x fingerprints; the column 'per "
  "fingerprint' gives each fingerprint's detections, i.e. how much a single record can differ.")
w("")
negs = [n for v in negatives.values() for n in v]
order = ["fine-tuning", "pruning", "quantization", "noise", "permutation/rescaling", "distillation, soft labels",
         "distillation, hard labels", "distillation, other architecture", "combinations"]


def by_family(selected):
    """The copies of each attack family, in the table's order; families without copies map to an empty list."""
    families = {}
    for r in selected:
        families.setdefault(family(r["model"]["lineage"]), []).append(r)
    return {fam: families.get(fam, []) for fam in order + sorted(set(families) - set(order))}


def per_fingerprint(items, detected):
    """Each fingerprint's detections among the items, e.g. "2, 3, 2 of 3"."""
    return ", ".join(str(sum(detected(i) for i in items if i["fp"] == fp)) for fp in fps) + f" of {len(items) // len(fps)}"


def family_table(selected, title):
    clone = lambda i: i["doc"]["verdict"] == "clone"
    w(f"| attack family | copies ({title}) | ROC AUC | TPR at 0 FPR | detected at alpha 1e-6 | per fingerprint | detected, labels only |")
    w("|---|---|---|---|---|---|---|")
    for fam, items in by_family(selected).items():
        if not items:
            w(f"| {fam} | 0 | n/a | n/a | n/a | n/a | n/a |")
            continue
        det_lo = sum(i["lo"] >= 6 for i in items)
        w(f"| {fam} | {len(items) // len(fps)} | {auc(items)[0]:.3f} | {zero_fpr(items):.2f} | {sum(map(clone, items))}/{len(items)} | "
          f"{per_fingerprint(items, clone)} | {det_lo}/{len(items)} |")
    w(f"| **all** | {len(selected) // len(fps)} | {auc(selected)[0]:.3f} | {zero_fpr(selected):.2f} | "
      f"{sum(map(clone, selected))}/{len(selected)} | {per_fingerprint(selected, clone)} | {sum(i['lo'] >= 6 for i in selected)}/{len(selected)} |")
    w(f"| negatives (false positives) | {len(negs) // len(fps)} | | | {sum(map(clone, negs))}/{len(negs)} | {per_fingerprint(negs, clone)} | "
      f"{sum(n['lo'] >= 6 for n in negs)}/{len(negs)} |")
    w("")


w("### Copies that count (accuracy within 5 points of the owner's)")
w("")
counted = [r for r in rows if r["model"].get("counts")]
family_table(counted, "counted")
# Hard-label students also hide in the combinations, so the share of counted copies they are bounds the detection
# rate any test reaches without them.
hard = [r for r in counted if "labels=hard" in r["model"]["lineage"]]
rest = [r for r in counted if r not in hard]
if hard and rest:
    rest_detected = sum(r["doc"]["verdict"] == "clone" for r in rest)
    w(f"Students of the owner's hard labels, alone or combined with another attack, are {len(hard) // len(fps)} of the "
      f"{len(counted) // len(fps)} counted copies ({len(hard) / len(counted):.1%}): detecting none of them, at most "
      f"{len(rest) / len(counted):.1%} of counted copies can be detected. The other copies: "
      f"{rest_detected}/{len(rest)} detected ({rest_detected / len(rest):.1%}), ROC AUC {auc(rest)[0]:.3f}.")
    w("")
w("### Each fingerprint")
w("")
w("What each record drew: the null models' agreement with the owner on its queries (the label-agreement chance rate) and "
  "their spread decide how many agreements a copy needs, and so most of its power.")
w("")
w("| fingerprint | owner | label agreement: chance rate, needs | design effect | counted copies detected | labels only | negatives called clones | closest negative (−log10 corrected p) |")
w("|---|---|---|---|---|---|---|---|")
for (fp, owner), rec in records.items():
    la = next(c for c in rec["comparators"] if c["comparator"] == "label-agreement")
    mine = [r for r in counted if r["kit"] == (fp, owner)]
    theirs = negatives[(fp, owner)]
    w(f"| {fp[2:]} | `{owner}` | {la['chanceRate']:.3f}, {la['successesNeeded']}/{la['trials']} | {la.get('designEffect', 1):.2f} | "
      f"{sum(r['doc']['verdict'] == 'clone' for r in mine)}/{len(mine)} | {sum(r['lo'] >= 6 for r in mine)}/{len(mine)} | "
      f"{sum(n['doc']['verdict'] == 'clone' for n in theirs)}/{len(theirs)} | {max(corrected(n['doc']) for n in theirs):.1f} |")
w("")
w("### Which negatives are hard to tell apart (copies that count)")
w("")
w("ROC AUC of each family against the negatives trained on the same images as the owner (`split=owner`) and against those "
  "trained on other images (`split=attacker`), each split further by whether the negative has the owner's architecture.")
w("")


def split_of(model):
    return next((p.split("=", 1)[1] for p in model["recipe"].split() if p.startswith("split=")), "?")


groups = [("owner's images, owner's architecture", "owner", True), ("owner's images, other architecture", "owner", False),
          ("other images, owner's architecture", "attacker", True), ("other images, other architecture", "attacker", False)]
w("| attack family | " + " | ".join(f"AUC vs {g[0]}" for g in groups) + " |")
w("|---|" + "---|" * len(groups))
for fam, items in by_family(counted).items():
    if not items:
        continue
    cells = []
    for _, split, same in groups:
        value, pairs = auc(items, lambda n: split_of(n["model"]) == split
                           and (n["model"]["architecture"] == models[n["owner"]]["architecture"]) == same)
        cells.append(f"{value:.3f} ({pairs})" if pairs else "n/a")
    w(f"| {fam} | " + " | ".join(cells) + " |")
w("")
w("(In brackets: copy-negative pairs compared.)")
w("")
w("### Every copy, whether it counts or not")
w("")
family_table(rows, "all")
docs = [r["doc"] for r in rows] + [n["doc"] for n in negs]
cpu = [d["cpuSeconds"] for d in docs]
w(f"Queries spent per comparison: mean {statistics.mean(d['queriesSpent'] for d in docs):.0f}, max {max(d['queriesSpent'] for d in docs)}. "
  f"CPU time per comparison (inside the process: open the suspect, send the queries, run the tests; .NET start-up excluded): "
  f"mean {statistics.mean(cpu):.3f} s, max {max(cpu):.3f} s over {len(cpu)} comparisons.")
w("")
w("## Every copy")
w("")
w("Agreement from fingerprint 1; −log10 of the corrected p-value from each fingerprint.")
w("")
w("| attack | accuracy change | counts | label agreement | distance trials (to 1e-6, to 1e-10) | label agreement by kind (misclassified, mix, boundary, natural) | −log10 p (corrected) per fingerprint | clone in |")
w("|---|---|---|---|---|---|---|---|")
for r in sorted((r for r in rows if r["fp"] == fps[0]), key=lambda r: (family(r["model"]["lineage"]), r["model"]["lineage"])):
    d = r["doc"]
    same = [x for x in rows if x["model"]["id"] == r["model"]["id"]]
    la = next(c for c in d["comparators"] if c["comparator"] == "label-agreement")
    distances = ", ".join(f"{c.get('successes')}/{c.get('trials')}" for c in d["comparators"] if c["comparator"].startswith("output-distance"))
    kinds = ", ".join(f"{v['agreed']}/{v['queries']}" for v in d["agreementByKind"].values())
    change = r["model"].get("accuracyChange")
    ps = ", ".join(f"{corrected(x['doc']):.1f}" for x in same)
    w(f"| `{r['model']['lineage']}` | {change * 100:+.1f} | {'yes' if r['model'].get('counts') else 'no'} | {la['successes']}/{la['trials']} | "
      f"{distances} | {kinds} | {ps} | "
      f"{sum(x['doc']['verdict'] == 'clone' for x in same)}/{len(same)} |")
w("")
w("## Negatives")
w("")
ls = sorted(negs, key=lambda n: -n["score"])
w(f"Highest scores among the {len(negs)} negative comparisons (ranking score; −log10 corrected p where positive): "
  + ", ".join(f"`{n['model']['id']}` ({n['fp']}) {n['score']:.2f}" for n in ls[:5]) + ".")
w(f"Label agreement of negatives with fingerprint 1: " + ", ".join(str(next(c for c in n['doc']['comparators'] if c['comparator'] == 'label-agreement')['successes']) for n in negs if n["fp"] == fps[0]) + ".")
w("")
w("### Are the p-values honest?")
w("")
w("A valid p-value is below t for at most a fraction t of independent models. For each comparator, how many of the "
  "negatives' comparisons had an uncorrected p below each level, beside the most that valid p-values would give on average. "
  "More than that in the small-p columns means the chance rate understated how often independent models agree with the owner.")
w("")
levels = [1e-1, 1e-2, 1e-3, 1e-4]
w("| comparator | comparisons | " + " | ".join(f"p < {t:g} (expected at most)" for t in levels) + " |")
w("|---|---|" + "---|" * len(levels))
tested = {}
for n in negs:
    for c in n["doc"]["comparators"]:
        if c.get("test"):
            tested.setdefault(c["comparator"], []).append(c["log10PValue"])
for cid, logs in tested.items():
    w(f"| {cid} | {len(logs)} | " + " | ".join(f"{sum(x < math.log10(t) for x in logs)} ({len(logs) * t:.2g})" for t in levels) + " |")
w("")
w("### What the beta-binomial test changes")
w("")
w("Each test is beta-binomial: the suspect's count against a population of independent models whose rates vary as much as the "
  "null models' did (the intra-class correlation their design effect implies). The same answers under the binomial test (every "
  "trial independent at the chance rate, the test before 2026-12-06):")
w("")
w("| test | counted copies detected (all fingerprints) | negatives called clones | closest negative (−log10 corrected p) | negatives' comparisons with p < 1e-4 |")
w("|---|---|---|---|---|")
for name, corr, raw in [("beta-binomial (now)", corrected, lambda c: c["log10PValue"]),
                        ("binomial (before)", plain_corrected, lambda c: log10_upper_tail(c["trials"], c["successes"], c["chanceRate"]))]:
    small = sum(raw(c) < -4 for n in negs for c in n["doc"]["comparators"] if c.get("test"))
    w(f"| {name} | {sum(corr(r['doc']) >= 6 for r in counted)}/{len(counted)} | {sum(corr(n['doc']) >= 6 for n in negs)}/{len(negs)} | "
      f"{max(corr(n['doc']) for n in negs):.1f} | {small} |")
w("")
for (fp, owner), record in records.items():
    w(f"Design effect (intra-class correlation the test used) for `{owner}`, fingerprint {fp[2:]}: "
      + ", ".join(f"{c['comparator']} {c.get('designEffect', 1):.2f} ({c.get('intraClassCorrelation', 0):.3f})" for c in record["comparators"]) + ".")


def spread(counts, n):
    """The null counts' variance over one binomial's (not floored at 1: below 1, models of a kind agree on the same queries)."""
    rate = sum(counts) / (len(counts) * n)
    return statistics.variance([c / n for c in counts]) / (rate * (1 - rate) / n) if len(counts) > 1 and 0 < rate < 1 else float("nan")


# The reference models' names carry their architecture: the spread within each shows whether the null models look like
# groups (near-binomial within an architecture, apart between them) or like one continuous spread, for which the
# beta-binomial test is less safe at small levels (scripts/simulate-design-effect.py).
for (fp, owner), record in records.items():
    archs = [m.split("-s")[0].removeprefix("reference-") if m.startswith("reference-") else None for m in record["nullModels"]]
    if None in archs:
        continue
    label = next(c for c in record["comparators"] if c["comparator"] == "label-agreement")
    groups = {a: [c for c, b in zip(label["nullSuccesses"], archs) if b == a] for a in sorted(set(archs))}
    w(f"Label-agreement spread within each architecture of the null models for `{owner}`, fingerprint {fp[2:]}: all "
      f"{spread(label['nullSuccesses'], label['trials']):.2f}; "
      + ", ".join(f"{a} {spread(g, label['trials']):.2f} ({len(g)})" for a, g in groups.items()) + ".")
print("\n".join(out))
