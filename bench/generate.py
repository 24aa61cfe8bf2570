"""Synthetic datasets in the `inputs/` format, of a chosen size, for the benchmark.

    python bench/generate.py OUT --nnz 1e5          # sizes picked to reach ~1e5 nonzeros
    python bench/generate.py OUT --programs 200 --pools 5 --years 12 --groups 8 --risks 3

Every file of inputs/README.md except facts.csv is written, every row with
`source = synthetic benchmark`. The data are random (seeded) but built to be feasible and
to make every constraint family appear and bind somewhere:

- phases: 3 (under 12 years) or 4 consecutive phases; milestones: 3 years including the last;
- programs: a sector each (the `groups` sectors), an export category for 40% (with an export
  coefficient), capital groups, minerals, windows of 3+ years, caps, floors on 10% that fit
  (at most 20% of the cap, inside the ramp), ramps on 30%, lags 0-3;
- pools: `public` (eligible for every program) and `pool01..`, eligible for a random ~45% of
  the sectors plus a few single programs; a row for every phase; total budget half the sum of
  the caps, so budget rows bind; carry-over on some;
- groups: a horizon cap on every sector, phase caps on some, minimums on some, capital-group and
  mineral caps, and share caps (public's share of all spending, one sector's share, one export
  category's share in the second phase);
- markets (per category, changing at the last milestone, and for some programs), risks with
  exposures (about one per program) and mitigation budgets, and `targets` milestone targets;
- enabling links (`links.csv`): a zone program for each of the first two capital groups (capital
  at most 4-8 x zone capital) and a market-development program for the exports of every
  category (10-30 musd a year per musd); the enablers create no jobs or exports themselves.

`--nnz N` sets years, pools, risks and sectors from N and calibrates the number of programs by
counting the matrix's nonzeros (bench/raw.py, whose matrix the tests check equals allocator's
`lp.matrix` entry by entry) at a small size and scaling; it prints the nonzeros reached.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

SOURCE = "synthetic benchmark"
FIRST_YEAR = 2025


def _write(folder: Path, name: str, header: list[str], rows: list[dict[str, Any]]) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=[*header, "source"], lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({k: ("" if v is None else v) for k, v in row.items()} | {"source": SOURCE})


def _phases(years: int) -> list[tuple[str, int, int]]:
    n = 3 if years < 12 else 4
    cuts = np.linspace(0, years, n + 1).round().astype(int)
    return [
        (f"phase{i + 1}", FIRST_YEAR + int(cuts[i]), FIRST_YEAR + int(cuts[i + 1]) - 1)
        for i in range(n)
    ]


def generate(  # noqa: C901 - one table after the other
    folder: str | Path,
    programs: int,
    pools: int,
    years: int,
    groups: int,
    risks: int,
    targets: int,
    seed: int = 0,
) -> dict[str, int]:
    """Write a dataset into `folder` (created); `groups` is the number of sectors (each gets a
    cap row; share caps and capital-group, mineral and minimum rows come on top). Returns the
    sizes used."""
    if years < 6:
        raise ValueError("years must be at least 6 (3 phases of 2 years)")
    if programs < 1 or pools < 1 or groups < 1 or risks < 0 or targets < 0:
        raise ValueError("programs, pools and groups must be positive, risks and targets >= 0")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    last_year = FIRST_YEAR + years - 1
    phases = _phases(years)
    ms = sorted({FIRST_YEAR + round((years - 1) * f) for f in (1 / 3, 2 / 3, 1.0)})
    n_sec = min(groups, programs)
    sectors = [f"sector{i:02d}" for i in range(n_sec)]
    n_cat = max(2, min(10, n_sec // 2))
    cats = [f"cat{i:02d}" for i in range(n_cat)]
    cgroups = [f"cg{i:02d}" for i in range(max(2, n_sec // 3))]
    minerals = ["copper", "lithium", "silver", "zinc", "gold"]
    # numbers are written by Python (a point decimal, no grouping): say so, so that a value such
    # as 1.005 is not refused as one the point and comma styles read differently
    style = [{"setting": "number_style", "value": "point"}]
    _write(out, "settings.csv", ["setting", "value"], style)

    _write(
        out,
        "phases.csv",
        ["phase", "name", "first_year", "last_year"],
        [{"phase": p, "name": f"Phase {i + 1}", "first_year": a, "last_year": b}
         for i, (p, a, b) in enumerate(phases)],
    )  # fmt: skip
    _write(out, "milestones.csv", ["year"], [{"year": y} for y in ms])

    # --- programs
    sector_of = rng.permutation(np.arange(programs) % n_sec)
    progs: list[dict[str, Any]] = []
    for i in range(programs):
        first = FIRST_YEAR + int(rng.integers(0, years // 2))
        last = int(min(last_year, first + 2 + rng.integers(0, years)))
        cap = round(float(rng.uniform(20, 400)), 1)
        exporter = rng.random() < 0.4
        ramp = rng.random() < 0.3
        share = round(float(rng.uniform(0.15, 0.5)), 2) if ramp else None
        floor = None
        if rng.random() < 0.1:
            floor = round(cap * float(rng.uniform(0.05, 0.2)), 1)
        progs.append(
            {
                "program": f"p{i:05d}",
                "name": f"Program {i}",
                "sector": sectors[sector_of[i]],
                "export_category": cats[int(rng.integers(n_cat))] if exporter else None,
                "capital_group": cgroups[int(rng.integers(len(cgroups)))]
                if rng.random() < 0.7
                else None,
                "mineral": minerals[int(rng.integers(len(minerals)))]
                if rng.random() < 0.3
                else None,
                "first_year": first,
                "last_year": last,
                "cap_musd": cap,
                "floor_musd": floor,
                "max_annual_share": share,
                "lag_years": int(rng.integers(0, 4)),
                "jobs_per_musd": round(float(rng.uniform(1, 25)), 2),
                "exports_per_musd": round(float(rng.uniform(0.1, 1.2)), 3) if exporter else None,
            }
        )
    caps = np.array([p["cap_musd"] for p in progs])
    total_cap = float(caps.sum())
    enablers, link_rows = _links(progs, cgroups, years, seed)
    _write(out, "programs.csv", list(progs[0]), progs + enablers)
    if link_rows:
        _write(out, "links.csv", list(link_rows[0]), link_rows)

    # --- pools: public + pool01.., a row in every phase, budgets half the caps
    pool_names = ["public"] + [f"pool{i:02d}" for i in range(1, pools)]
    weights = rng.dirichlet(np.full(pools, 2.0))
    weights[0] = max(weights[0], 0.3)
    weights /= weights.sum()
    total_budget = 0.5 * total_cap
    pool_rows = []
    for s, name in enumerate(pool_names):
        carry = rng.random() < 0.5
        for i, (ph, a, b) in enumerate(phases):
            frac = (b - a + 1) / years
            pool_rows.append(
                {
                    "pool": name,
                    "phase": ph,
                    "budget_musd": round(
                        total_budget * weights[s] * frac * rng.uniform(0.8, 1.2), 1
                    ),
                    "carry_over": "yes" if carry and i + 1 < len(phases) else "no",
                }
            )
    _write(out, "pools.csv", ["pool", "phase", "budget_musd", "carry_over"], pool_rows)

    # --- eligibility: public funds everything; the others a random subset of the sectors
    elig = [{"pool": "public", "program": "*", "sector": None}]
    for name in pool_names[1:]:
        chosen = [sec for sec in sectors if rng.random() < 0.45] or [sectors[0]]
        elig += [{"pool": name, "program": None, "sector": sec} for sec in chosen]
        for i in rng.choice(programs, size=min(2, programs), replace=False):
            elig.append({"pool": name, "program": progs[int(i)]["program"], "sector": None})
    _write(out, "eligibility.csv", ["pool", "program", "sector"], elig)

    # --- groups
    by_sector = {sec: caps[sector_of == k].sum() for k, sec in enumerate(sectors)}
    grp: list[dict[str, Any]] = []

    def group(dim: str, member: str, phase: str, **limits: float | None) -> None:
        grp.append(
            {"dimension": dim, "member": member, "phase": phase, "min_musd": None,
             "max_musd": None, "max_share": None} | limits
        )  # fmt: skip

    for k, sec in enumerate(sectors):
        total = float(by_sector[sec])
        low = round(0.05 * total, 1) if rng.random() < 0.2 else None
        most = round(min(0.9, 1.5 / n_sec), 3) if k == 0 and n_sec > 1 else None  # share cap
        group("sector", sec, "all", min_musd=low, max_musd=round(0.6 * total, 1), max_share=most)
        for ph, _first, _last in phases:
            if rng.random() < 0.2:
                group("sector", sec, ph, max_musd=round(0.25 * total, 1))
    for cg in cgroups:
        members = caps[[p["capital_group"] == cg for p in progs]].sum()
        if members > 0:
            group("capital_group", cg, "all", max_musd=round(0.5 * float(members), 1))
    mineral_caps = caps[[p["mineral"] == "copper" for p in progs]].sum()
    if mineral_caps > 0:
        group("mineral", "copper", "all", max_musd=round(0.4 * float(mineral_caps), 1))
    if pools > 1:  # with public alone the share cap would forbid all spending
        group("pool", "public", "all", max_share=0.6)
    cat_used = sorted({p["export_category"] for p in progs if p["export_category"]})
    if cat_used and len(phases) > 1:
        group("export_category", cat_used[0], phases[1][0], max_share=0.5)
    _write(
        out, "groups.csv",
        ["dimension", "member", "phase", "min_musd", "max_musd", "max_share"], grp,
    )  # fmt: skip

    # --- markets: per category (a second row from the last milestone), some programs
    markets = []
    for cat in cat_used:
        potential = sum(p["exports_per_musd"] * p["cap_musd"] for p in progs
                        if p["export_category"] == cat)  # fmt: skip
        markets.append({"program": None, "export_category": cat, "year": ms[0],
                        "market_musd": round(0.4 * potential, 1), "max_share": 0.5})  # fmt: skip
        markets.append({"program": None, "export_category": cat, "year": ms[-1],
                        "market_musd": round(0.8 * potential, 1), "max_share": 0.6})  # fmt: skip
    for p in progs:
        if p["exports_per_musd"] and rng.random() < 0.1:
            markets.append({"program": p["program"], "export_category": None, "year": ms[1],
                            "market_musd": round(0.3 * p["exports_per_musd"] * p["cap_musd"], 1),
                            "max_share": None})  # fmt: skip
    _write(out, "markets.csv", ["program", "export_category", "year", "market_musd", "max_share"],
           markets)  # fmt: skip

    # --- risks and exposures (about one exposure per program)
    risk_names = [f"risk{i:02d}" for i in range(risks)]
    exposures = []
    exposed_cap = np.zeros(risks)
    for i, p in enumerate(progs):
        for r in range(risks):
            if rng.random() < 1.0 / risks:
                w = round(float(rng.uniform(0.2, 1.0)), 2)
                exposures.append({"program": p["program"], "risk": risk_names[r], "weight": w})
                exposed_cap[r] += w * caps[i]
    risk_rows = []
    for r, name in enumerate(risk_names):
        coverage = round(float(rng.uniform(2, 6)), 2)
        risk_rows.append(
            {
                "risk": name,
                "first_year": FIRST_YEAR,
                "last_year": FIRST_YEAR + int(rng.integers(years // 2, years)),
                "budget_musd": round(max(1.0, 0.5 * exposed_cap[r] / coverage), 1),
                "coverage": coverage,
            }
        )
    if risks:
        columns = ["risk", "first_year", "last_year", "budget_musd", "coverage"]
        _write(out, "risks.csv", columns, risk_rows)
        _write(out, "exposures.csv", ["program", "risk", "weight"], exposures)

    # --- targets (not in the LP with --targets off; they must load)
    jobs = np.array([p["jobs_per_musd"] for p in progs])
    options = [("jobs", "total", None, y) for y in ms]
    options += [("jobs", "sector", sec, y) for sec in sectors for y in ms]
    options += [("exports", "export_category", cat, y) for cat in cat_used for y in ms]
    pick = rng.permutation(len(options))[:targets]
    target_rows = []
    for k in sorted(pick):
        kind, dim, member, y = options[k]
        scale = 0.3 * (y - FIRST_YEAR + 1) / years
        if kind == "jobs":
            mask = np.ones(programs, bool) if dim == "total" else (
                np.array([p["sector"] == member for p in progs]))  # fmt: skip
            value = round(float(scale * (jobs[mask] * caps[mask]).sum()))
        else:
            value = round(scale * sum(p["exports_per_musd"] * p["cap_musd"] for p in progs
                                      if p["export_category"] == member), 1)  # fmt: skip
        target_rows.append({"kind": kind, "dimension": dim, "member": member, "year": y,
                            "value": value})  # fmt: skip
    if targets:
        _write(out, "targets.csv", ["kind", "dimension", "member", "year", "value"], target_rows)
    return {
        "programs": programs,
        "pools": pools,
        "years": years,
        "groups": n_sec,
        "risks": risks,
        "targets": len(target_rows),
        "seed": seed,
    }


def _links(
    progs: list[dict[str, Any]], cgroups: list[str], years: int, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Enabling programs (no jobs, no exports) and their links: a zone per capital group for
    up to two groups (capital links), and one market-development program for the exports of
    every category. Drawn from their own seeded stream, so the other tables do not move."""
    rng = np.random.default_rng([seed, 16])
    used = sorted({p["capital_group"] for p in progs if p["capital_group"]})
    enablers: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []

    def enabler(name: str, cap: float, last: int) -> None:
        row = dict.fromkeys(progs[0])
        row |= {"program": name, "name": name, "sector": "enabling", "first_year": FIRST_YEAR,
                "last_year": last, "cap_musd": cap, "lag_years": int(rng.integers(0, 2)),
                "jobs_per_musd": 0}  # fmt: skip
        enablers.append(row)

    for group in used[:2]:
        inside = sum(p["cap_musd"] for p in progs if p["capital_group"] == group)
        ratio = round(float(rng.uniform(4, 8)), 2)
        enabler(f"zone_{group}", round(inside / ratio * 1.2, 1), FIRST_YEAR + years // 2)
        links.append({"link": f"zones_{group}", "enabler_dimension": "program",
                      "enabler": f"zone_{group}", "dependent_dimension": "capital_group",
                      "dependent": group, "quantity": "capital", "ratio": ratio,
                      "lag_years": int(rng.integers(0, 2))})  # fmt: skip
    if any(p["export_category"] for p in progs):
        exports = sum(p["exports_per_musd"] * p["cap_musd"] for p in progs if p["export_category"])
        ratio = round(float(rng.uniform(10, 30)), 2)
        enabler("market_development", round(exports / ratio, 1), FIRST_YEAR + years - 1)
        links.append({"link": "market_access", "enabler_dimension": "program",
                      "enabler": "market_development", "dependent_dimension": "export_category",
                      "dependent": "*", "quantity": "exports", "ratio": ratio, "lag_years": 0})  # fmt: skip
    return enablers, links


def shape_for(nnz: float) -> dict[str, int]:
    """Everything but the number of programs, from a nonzero target (grows slowly)."""
    lg = math.log10(max(nnz, 1e3))
    return {
        "years": int(np.clip(round(2 * lg + 2), 8, 24)),
        "pools": int(np.clip(round(2 * lg - 5), 3, 14)),
        "risks": int(np.clip(round(lg - 1), 2, 8)),
    }


def sectors_for(programs: int) -> int:
    return int(np.clip(round(math.sqrt(programs) / 1.5), 3, 60))


def count_nnz(folder: str | Path) -> tuple[int, int, int]:
    """(rows, columns, nonzeros) of the targets-off LP of a dataset (via bench/raw.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from raw import assemble

    from allocator.data.inputs import load_inputs

    lp = assemble(load_inputs(folder))
    return lp.shape[0], lp.shape[1], lp.nnz


def generate_nnz(folder: str | Path, nnz: float, seed: int = 0) -> dict[str, int]:
    """A dataset of roughly `nnz` nonzeros: calibrate programs at a small size, scale, repeat
    once if more than 10% off. Returns the sizes and the rows, columns and nonzeros reached."""
    shape = shape_for(nnz)
    trial = 40
    sizes: dict[str, int] = {}
    for _ in range(3):
        sizes = generate(folder, trial, groups=sectors_for(trial), targets=2 * sectors_for(trial),
                         seed=seed, **shape)  # fmt: skip
        rows, cols, got = count_nnz(folder)
        sizes |= {"rows": rows, "columns": cols, "nnz": got}
        if abs(got - nnz) <= 0.1 * nnz:
            break
        trial = max(2, round(trial * nnz / got))
    return sizes


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="dataset folder to write")
    ap.add_argument("--nnz", type=float, help="aim for about this many nonzeros (e.g. 1e5)")
    ap.add_argument("--programs", type=int, default=100)
    ap.add_argument("--pools", type=int, default=5)
    ap.add_argument("--years", type=int, default=12)
    ap.add_argument("--groups", type=int, help="number of sectors (default from programs)")
    ap.add_argument("--risks", type=int, default=3)
    ap.add_argument("--targets", type=int, help="number of targets (default 2 x sectors)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the sizes as one JSON line")
    a = ap.parse_args(argv)
    if a.nnz:
        sizes = generate_nnz(a.out, a.nnz, a.seed)
    else:
        groups = a.groups or sectors_for(a.programs)
        sizes = generate(a.out, a.programs, a.pools, a.years, groups, a.risks,
                         2 * groups if a.targets is None else a.targets, a.seed)  # fmt: skip
        rows, cols, nnz = count_nnz(a.out)
        sizes |= {"rows": rows, "columns": cols, "nnz": nnz}
    if a.json:
        print(json.dumps(sizes))
    else:
        print(f"{a.out}: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
