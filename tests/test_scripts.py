"""Smoke runs of every script in ``scripts/``, so the benchmarks cannot rot.

Each script runs in its own process, as people run it, on a tiny input the
test writes itself: miniature PAN 2013, Clough-Stevenson and MRPC corpora in
the layouts of the real ones (``../shared/benchmarks/README.md``), with
invented text, or the seed fixtures with a few derived copies. The checks
are on behaviour, not only the exit code: a verbatim copy is found, the
scores the scripts exist to print are printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
SEEDS_DIR = ROOT / "fixtures" / "seeds"
#: ``<Derivation.WHOLE: 'whole'>``: a vocabulary member printed with repr()
#: (inside a dict, say) where its value was meant.
ENUM_REPR = re.compile(r"<[A-Z]\w*\.[A-Z_]+: ")


def run_script(name: str, *args: object, timeout: float = 120) -> str:
    """``python scripts/NAME ARGS`` with this interpreter and this checkout's
    ``dedupe``; fails on a non-zero exit; returns standard output."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, str(SCRIPTS / name), *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    assert done.returncode == 0, f"{name} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    leaked = ENUM_REPR.search(done.stdout)
    assert leaked is None, f"{name} printed an enum's repr, not its value: {leaked.group()}"
    return done.stdout


def run_json(name: str, *args: object) -> dict:
    return json.loads(run_script(name, *args, "--json"))


def wrapped(sentences: tuple[str, ...], width: int = 96) -> str:
    """Hard-wrapped lines, no blank lines, as PAN's plain-text documents are."""
    return textwrap.fill(" ".join(sentences), width)


# ---------------------------------------------------------------------------
# PAN 2013 text alignment, in miniature
# ---------------------------------------------------------------------------

HARBOUR = (
    "The harbour authority of Pellmouth opened the restored lighthouse to visitors on a grey morning in early spring.",
    "Its keepers had left the tower in the nineteen sixties, when an automatic lamp replaced the last crew.",
    "For decades the iron gallery rusted while gulls nested in the broken lantern room above the bay.",
)
HARBOUR_COPIED = (
    "Restoration began when a group of retired fishermen raised money through an annual pie sale and a winter regatta.",
    "Volunteers scraped eleven layers of paint from the spiral staircase and replaced every rotten window frame.",
    "A foundry in the valley cast new brackets from drawings found in a drawer of the old customs house.",
    "The original lens, which had been stored in a school basement, was cleaned by hand over two long summers.",
    "When the lamp was finally lit again, half the town stood on the quay and cheered as the beam swept the water.",
    "Engineers say the tower should now stand for another century if its paint is renewed every seven years.",
)
HARBOUR_AFTER = (
    "The authority plans guided climbs on weekends and a small exhibition about shipwrecks along the coast.",
    "Tickets will be sold at the kiosk beside the ferry landing, and children under twelve climb for free.",
)
BEES = (
    "A cooperative of hill farmers in the Darrow valley has doubled its honey harvest in three seasons.",
    "Members share extracting equipment in a converted barn and sell their jars under a single label.",
    "The cooperative keeps records of every hive, noting swarms, queens and the weight of each frame.",
    "Its chairwoman believes the careful notes explain the success better than any new breed of bee.",
    "Buyers from city markets now drive up the narrow lanes every autumn to taste the heather honey.",
    "Next year the group hopes to open a small shop and a classroom for schools in the old dairy.",
)
CHESS = (
    "The regional chess championship ended in a dramatic playoff after nine rounds of close games.",
    "A sixteen year old student from the lowlands defeated the defending champion with the black pieces.",
    "Organisers praised the quiet hall, the volunteer arbiters and the generous sponsorship of a local bakery.",
    "Next season the tournament moves to the library of the university, which offers more tables and light.",
)
TOURISM = (
    "Small coastal towns are learning that heritage can draw visitors long after the fishing fleets have gone.",
    "Councils that once demolished old harbour buildings now apply for grants to save what remains of them.",
    "A report on seaside economies describes how one town rescued its most familiar landmark.",
)
TOURISM_AFTER = (
    "Critics warn that visitors alone cannot replace steady work, and that rents rise when holiday lets multiply.",
    "Still, the report concludes that a restored landmark gives residents a reason to stay and to take pride.",
)
FARMING = (
    "Upland farming has changed more in the last ten years than in the fifty years before that decade.",
    "Sheep numbers have fallen while families look for other ways to earn a living from poor soil.",
)
FARMING_COPIED = BEES[1:5]
FARMING_AFTER = (
    "Advisers expect more farms to join such groups as subsidies shrink and the cost of machinery keeps rising.",
)


def write_pan13(root: Path) -> None:
    """``pairs``, ``susp/``, ``src/``, ``truth/`` and ``truth-reanchored/``:
    two suspicious documents, each copying one source passage verbatim, and
    a third source that nothing copies."""
    sources = {
        "source-document00011.txt": (wrapped(HARBOUR), wrapped(HARBOUR_COPIED), wrapped(HARBOUR_AFTER)),
        "source-document00012.txt": (wrapped(BEES[:1]), wrapped(FARMING_COPIED), wrapped(BEES[5:])),
        "source-document00013.txt": (wrapped(CHESS),),
    }
    suspicious = {
        "suspicious-document00001.txt": ((wrapped(TOURISM), wrapped(HARBOUR_COPIED), wrapped(TOURISM_AFTER)),
                                         "source-document00011.txt"),
        "suspicious-document00002.txt": ((wrapped(FARMING), wrapped(FARMING_COPIED), wrapped(FARMING_AFTER)),
                                         "source-document00012.txt"),
    }
    for folder in ("susp", "src", "truth", "truth-reanchored"):
        (root / folder).mkdir(parents=True)
    for name, parts in sources.items():
        (root / "src" / name).write_text("\n".join(parts) + "\n", encoding="utf-8", newline="")
    pairs = []
    for name, (parts, source) in suspicious.items():
        text = "\n".join(parts) + "\n"
        (root / "susp" / name).write_text(text, encoding="utf-8", newline="")
        passage = parts[1]
        this_offset = text.index(passage)
        source_offset = (root / "src" / source).read_text(encoding="utf-8").index(passage)
        pairs.append(f"{name} {source}")
        stem = f"{name[:-4]}-{source[:-4]}.xml"
        (root / "truth" / stem).write_text(
            f'<document reference="{name}">\n<feature name="plagiarism" obfuscation="none" '
            f'source_length="{len(passage)}" source_offset="{source_offset}" source_reference="{source}" '
            f'this_length="{len(passage)}" this_offset="{this_offset}" type="artificial" />\n</document>\n',
            encoding="utf-8")
        (root / "truth-reanchored" / stem).write_text(
            f'<document reference="{name}">\n<feature name="plagiarism" this_offset="{this_offset}" '
            f'this_length="{len(passage)}" source_reference="{source}" source_offset="{source_offset}" '
            f'source_length="{len(passage)}"/>\n</document>\n', encoding="utf-8")
    (root / "pairs").write_text("\n".join(pairs) + "\n", encoding="utf-8")


def test_bench_pan13_finds_the_verbatim_copies(tmp_path):
    write_pan13(tmp_path)
    result = run_json("bench_pan13.py", tmp_path)
    scores = {(r["variant"], r["truth"], r["evaluation"]): r for r in result["results"]}
    # The product path only (and the oracle, the truth taken as detections): no script-side variant.
    assert {v for v, _, _ in scores} == {"product", "oracle"}
    pairs = scores["product", "given", "pairs"]
    assert (pairs["cases"], pairs["documents"], pairs["sources"]) == (2, 2, 3)
    assert pairs["plagdet"] > 0.5, pairs
    assert pairs["recall"] > 0.5, pairs
    # The truth is exact here: re-anchoring locates both passages, at (nearly) the same extents.
    assert scores["oracle", "given", "pairs"]["plagdet"] > 0.95
    assert result["truth_check"]["located"] == 2
    # --limit: only the first suspicious document and its one case.
    limited = run_json("bench_pan13.py", tmp_path, "--limit", 1, "--set", "merge_gap=2",
                       "--set", "extensive-date-search=false")
    assert limited["settings"]["merge_gap"] == 2 and limited["settings"]["extensive_date_search"] is False
    assert {r["cases"] for r in limited["results"]} == {1}


def test_bench_pan13_report(tmp_path):
    write_pan13(tmp_path)
    out = run_script("bench_pan13.py", tmp_path, "--examples", 1)
    assert "2 suspicious x 3 source documents, 2 cases, 2 listed pairs" in out
    assert "Against the truth as given (headline):" in out
    assert "plagdet" in out and "Where the misses are" in out and "Wall time:" in out


# ---------------------------------------------------------------------------
# Clough-Stevenson, in miniature
# ---------------------------------------------------------------------------

ORIGINALS = {
    "a": (
        "Garbage collection is a form of automatic memory management in which the runtime reclaims memory "
        "occupied by objects that the program can no longer reach.",
        "The collector starts from a set of roots, such as global variables and the local variables on the "
        "call stack, and follows every reference to mark the objects that are still in use.",
        "Objects that were not marked are unreachable, so their memory can be returned to the allocator and "
        "used again for new objects.",
        "Generational collectors exploit the observation that most objects die young, so they examine "
        "recently allocated objects far more often than old ones.",
        "Garbage collection frees programmers from manual deallocation and prevents dangling pointers, but "
        "it costs processor time and can pause the program at unpredictable moments.",
    ),
    "b": (
        "A hash table is a data structure that maps keys to values by computing an index into an array of "
        "buckets from the key itself.",
        "The function that computes the index is called a hash function, and a good one spreads the keys "
        "evenly across the buckets.",
        "When two keys produce the same index a collision occurs, and the table must resolve it, for example "
        "by chaining entries in a linked list or by probing for the next free slot.",
        "If the hash function is good and the table is not too full, lookups, insertions and deletions take "
        "constant time on average.",
        "As more entries are added the load factor grows, and the table is usually resized and every key "
        "rehashed once the load factor passes a chosen limit.",
    ),
}
ANSWERS = {
    # file: (task, category, text)
    "g0pA_taska.txt": ("a", "cut", " ".join(ORIGINALS["a"][:4])),
    "g0pB_taska.txt": ("a", "light", (
        "Garbage collection is a kind of automatic memory management where the runtime reclaims the memory "
        "used by objects that the program can no longer reach. The collector begins from a set of roots, "
        "such as global variables and the local variables on the stack, and follows each reference to mark "
        "the objects that are still being used. Objects that were not marked are unreachable, so their "
        "memory can be given back to the allocator and reused for new objects.")),
    "g0pC_taska.txt": ("a", "heavy", (
        "With garbage collection the language runtime, not the programmer, decides when memory is freed. "
        "Starting at roots like globals and stack variables it traces references and marks whatever is "
        "still reachable; anything left unmarked is garbage and its space goes back to the allocator. Many "
        "collectors are generational because young objects tend to die quickly. The price is extra work "
        "for the processor and pauses that are hard to predict.")),
    "g0pD_taska.txt": ("a", "non", (
        "In languages like C the programmer has to call free for every block obtained with malloc, which "
        "is error prone. Java and Python instead clean up unused data themselves. Python mostly counts "
        "references and deletes an object as soon as nothing refers to it, with an extra pass for cycles. "
        "This makes programs safer, although it uses some extra memory.")),
    "g0pA_taskb.txt": ("b", "cut", " ".join(ORIGINALS["b"][:4])),
    "g0pB_taskb.txt": ("b", "light", (
        "A hash table is a data structure which maps keys to values by calculating an index into an array "
        "of buckets from the key. The function which calculates the index is called a hash function, and a "
        "good one spreads keys evenly over the buckets. When two keys give the same index a collision "
        "happens, and the table has to resolve it, for instance by chaining entries in a linked list or by "
        "probing for the next empty slot.")),
    "g0pC_taskb.txt": ("b", "heavy", (
        "Hash tables store pairs of keys and values in an array, choosing the position of each pair by "
        "running its key through a hash function. Keys that land on the same position collide, which is "
        "handled either with a list per slot or by looking for another free slot. Provided the function "
        "scatters keys well and the array keeps some room, finding or adding an entry takes about the same "
        "short time whatever the size.")),
    "g0pD_taskb.txt": ("b", "non", (
        "When I need to look up a phone number quickly I use a dictionary in Python. Behind the scenes "
        "it\u2019s a very fast structure: it turns the name into a number and jumps almost straight to the "
        "right place, so even with a million names the search is instant. The caf\u00e9 menu example in our "
        "course showed the same idea for prices.")),
}
#: Answers the corpus's own test split holds (``test_info.csv``).
TEST_SPLIT = ("g0pC_taska.txt", "g0pA_taskb.txt", "g0pD_taskb.txt")
#: Written in cp1252, as 17 answers of the real corpus are.
CP1252_ANSWER = "g0pD_taskb.txt"


def write_clough(root: Path) -> None:
    """``orig_task{a,b}.txt`` (a paragraph a line, blank lines between, CRLF),
    ``g*p*_task*.txt`` answers hard-wrapped at 70 columns, and
    ``file_information.csv`` / ``test_info.csv`` (``File,Task,Category``,
    CRLF, no newline after the last row)."""
    root.mkdir(parents=True, exist_ok=True)
    for task, sentences in ORIGINALS.items():
        paragraphs = [" ".join(sentences[:2]), " ".join(sentences[2:4]), sentences[4]]
        (root / f"orig_task{task}.txt").write_text("\r\n\r\n".join(paragraphs) + "\r\n", encoding="utf-8",
                                                    newline="")
    for name, (_, _, text) in ANSWERS.items():
        encoding = "cp1252" if name == CP1252_ANSWER else "utf-8"
        (root / name).write_bytes((textwrap.fill(text, 70) + "\n").encode(encoding))

    def labels(names: list[str]) -> str:
        rows = ["File,Task,Category", *(f"{n},{ANSWERS[n][0]},{ANSWERS[n][1]}" for n in names),
                *(f"orig_task{t}.txt,{t},orig" for t in ORIGINALS)]
        return "\r\n".join(rows)

    (root / "file_information.csv").write_bytes(labels(sorted(ANSWERS)).encode("utf-8"))
    (root / "test_info.csv").write_bytes(labels(list(TEST_SPLIT)).encode("utf-8"))


def test_bench_clough(tmp_path):
    write_clough(tmp_path)
    result = run_json("bench_clough.py", tmp_path)
    assert (result["answers"], result["sources"]) == (len(ANSWERS), len(ORIGINALS))
    assert result["encodings"] == {"utf-8": len(ANSWERS) + len(ORIGINALS) - 1, "cp1252": 1}
    assert result["non_utf8_files"] == [CP1252_ANSWER]
    per_answer = {a["file"]: a for a in result["per_answer"]}
    for name, (task, category, _) in ANSWERS.items():
        answer = per_answer[name]
        if category == "cut":  # copy and paste: found, verbatim, from its own task's source
            assert (answer["predicted"], answer["top_source"]) == ("verbatim", f"orig_task{task}.txt"), answer
        elif category == "non":  # written without the source
            assert answer["predicted"] == "none", answer
    settings = [figure["setting"] for figure in result["figures"]]
    assert settings[0] == "default Settings (fair)"
    assert any(s.startswith(f"tuned on train split ({len(ANSWERS) - len(TEST_SPLIT)})") for s in settings)
    for figure in result["figures"]:
        assert 0 <= figure["f1"] <= 1 and 0 <= figure["accuracy"] <= 1
    assert result["figures"][0]["f1"] > 0.5

    out = run_script("bench_clough.py", tmp_path, "--examples", 2)
    assert f"Clough-Stevenson: {len(ANSWERS)} answers against {len(ORIGINALS)} sources" in out
    assert "f1" in out and "accuracy" in out and "four_class_accuracy" in out
    assert "Confusion, default Settings" in out and "Source retrieval" in out


# ---------------------------------------------------------------------------
# MRPC, in miniature
# ---------------------------------------------------------------------------

MRPC_PAIRS = {
    "train": [
        (1, "The council approved the new budget for road repairs on Tuesday evening.",
         "On Tuesday evening the council approved a new budget to repair the roads."),
        (0, "The council approved the new budget for road repairs on Tuesday evening.",
         "Residents complained about potholes on the main street for several months."),
        (1, "Shares of the shipping company rose sharply after it reported record profits.",
         "The shipping company's shares climbed steeply after it posted record profits."),
        (0, "Shares of the shipping company rose sharply after it reported record profits.",
         "The airline cut its forecast because fuel prices kept rising this spring."),
        (1, "Police arrested two men suspected of stealing copper cable from the railway.",
         "Two men suspected of stealing railway copper cable were arrested by police."),
        (0, "The festival will feature forty bands on three stages over the long weekend.",
         "Ticket prices for the concert hall increased for the third year in a row."),
        (1, "The museum will reopen in June after a two year renovation of its galleries.",
         "After renovating its galleries for two years, the museum reopens in June."),
        (0, "Farmers expect a smaller wheat harvest after the dry summer.",
         "The bakery chain opened four new shops in the northern suburbs."),
    ],
    "test": [
        (1, "The hospital hired fifty new nurses to shorten waiting times in its emergency ward.",
         "To cut waiting times in the emergency ward, the hospital took on fifty new nurses."),
        (0, "The hospital hired fifty new nurses to shorten waiting times in its emergency ward.",
         "Doctors at the clinic went on strike over pay and working hours."),
        (1, "Heavy snow closed the mountain pass and stranded hundreds of drivers overnight.",
         "Hundreds of drivers were stranded overnight when heavy snow closed the mountain pass."),
        (0, "The library extended its opening hours during the exam season.",
         "Students protested against higher fees outside the university gates."),
        (1, "The minister said the bridge would be finished before the end of next year.",
         "The bridge will be completed before the end of next year, the minister said."),
        (0, "A rare bird was spotted in the marshes near the estuary last week.",
         "The estuary ferry service will stop running during the winter months."),
    ],
}


def write_mrpc(root: Path) -> None:
    """``msr_paraphrase_{train,test}.txt``: UTF-8 with BOM, tab-separated,
    header ``Quality #1 ID #2 ID #1 String #2 String``."""
    root.mkdir(parents=True, exist_ok=True)
    files = {"train": "msr_paraphrase_train.txt", "test": "msr_paraphrase_test.txt"}
    for split, pairs in MRPC_PAIRS.items():
        lines = ["Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"]
        lines += [f"{label}\t{1000 + 2 * n}\t{1001 + 2 * n}\t{a}\t{b}" for n, (label, a, b) in enumerate(pairs)]
        (root / files[split]).write_text("\n".join(lines) + "\n", encoding="utf-8-sig", newline="")


def test_bench_mrpc(tmp_path):
    write_mrpc(tmp_path)
    result = run_json("bench_mrpc.py", tmp_path)
    assert result["split"] == "test"
    rules = {r["rule"]: r for r in result["results"]}
    assert all(r["pairs"] == len(MRPC_PAIRS["test"]) for r in rules.values())
    everything = rules["baseline: everything a paraphrase"]
    assert everything["recall"] == 1.0 and everything["predicted positive"] == len(MRPC_PAIRS["test"])
    strong = next(r for name, r in rules.items() if name.startswith("dedupe strong (min_word_similarity="))
    assert strong["f1"] > 0.5, strong  # word-for-word reorderings are the easy paraphrases
    assert {"accuracy", "precision", "recall", "f1"} <= set(result["test_at_train_best"])
    assert len(result["sweep"]) == 11

    out = run_script("bench_mrpc.py", tmp_path, "--split", "train", "--examples", 1)
    assert f"MRPC train: {len(MRPC_PAIRS['train'])} pairs, 4 paraphrases" in out
    assert "f1" in out and "accuracy" in out and "test F1" in out and "Wall time:" in out


# ---------------------------------------------------------------------------
# Derived copies of the seed fixtures
# ---------------------------------------------------------------------------


def test_derive_copies(tmp_path):
    out = run_script("derive_copies.py", SEEDS_DIR, tmp_path / "one", "--count", 4, "--seed", 3)
    assert out.startswith(f"wrote 4 copies to {tmp_path / 'one'} (seed 3)")
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["copies"] == ["copy-000", "copy-001", "copy-002", "copy-003"]
    for name in manifest["copies"]:
        text = (tmp_path / "one" / f"{name}.txt").read_text(encoding="utf-8")
        truth = json.loads((tmp_path / "one" / f"{name}.json").read_text(encoding="utf-8"))
        assert truth["length"] == len(text) and truth["passages"]
        for passage in truth["passages"]:
            source = Path(passage["source"]).read_text(encoding="utf-8")
            for c_start, c_end, s_start, s_end in passage["sentences"]:
                if passage["transform"] == "copy":  # unchanged sentences are the source's characters
                    assert text[c_start:c_end] == source[s_start:s_end]
        for item in truth["new_material"]:
            assert text[item["span"][0]:item["span"][1]] == item["text"]
    # Deterministic given the seed.
    run_script("derive_copies.py", SEEDS_DIR, tmp_path / "two", "--count", 4, "--seed", 3)
    for path in sorted((tmp_path / "one").glob("copy-*")):
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes()


def test_bench_derived(tmp_path):
    result = run_json("bench_derived.py", SEEDS_DIR, "--count", 8, "--seed", 1, "--keep", tmp_path)
    assert sorted(p.name for p in tmp_path.glob("copy-*.txt")) == [f"copy-{n:03d}.txt" for n in range(8)]
    overall = result["overall"]
    assert overall["plagdet"] > 0.5 and overall["recall"] > 0.5 and overall["granularity"] >= 1, overall
    assert result["per_recipe"][-1]["recipe"] == "all" and result["per_recipe"][-1]["copies"] == 8
    assert sum(result["derivations"].values()) == 8 == sum(result["true_derivations"].values())
    assert 0 <= result["derivation_accuracy"] <= 1

    out = run_script("bench_derived.py", SEEDS_DIR, "--count", 8, "--seed", 1, "--learn-boilerplate")
    assert out.startswith("Derived copies: 8 (seed 1, spin share 0.5)")
    assert "plagdet " in out and "new claims: precision" in out and "learned boilerplate removed" in out
    assert "Per recipe" in out and "Per sentence change" in out

    legacy = tmp_path / "legacy-run"
    result = run_json("bench_derived.py", SEEDS_DIR, "--count", 8, "--seed", 1, "--legacy-sources", "--keep", legacy)
    wire = (legacy / "legacy" / "wapo-blinken-moldova-2024.txt").read_text(encoding="utf-8")
    assert " <\n" in wire and "\n\n" not in wire  # paragraph markers, no blank lines
    assert result["overall"]["plagdet"] > 0.5 and sum(result["derivations"].values()) == 8


# ---------------------------------------------------------------------------
# Same-story, independent reports
# ---------------------------------------------------------------------------

SAME_EVENT_DIR = ROOT / "fixtures" / "same-event"
#: Controls whose copy keeps the source's sentences verbatim (edits, reordering, a
#: press release reprinted): any checker worth the name finds these.
VERBATIM_CONTROLS = ("01", "03", "07")


def test_bench_independent(tmp_path):
    write_mrpc(tmp_path / "mrpc")
    write_clough(tmp_path / "clough")
    pairs = len(list(SAME_EVENT_DIR.glob("[0-9][0-9]-a.txt")))
    controls = len(list((SAME_EVENT_DIR / "copies").glob("[0-9][0-9]-source.txt")))
    assert pairs >= 32 and controls >= 8
    result = run_json("bench_independent.py", SAME_EVENT_DIR, "--mrpc", tmp_path / "mrpc",
                      "--clough", tmp_path / "clough")
    fixtures = result["fixtures"]
    assert (fixtures["pairs"], fixtures["controls"]) == (pairs, controls)
    # The share is measured, not held to the goal here: the engine is being changed to meet it.
    assert 0 <= fixtures["share_called_derived"] <= 1
    assert fixtures["called_derived"] == sum(p["called_derived"] for p in fixtures["per_pair"])
    assert sum(g["pairs"] for g in fixtures["by_genre"]) == pairs
    assert {g["genre"] for g in fixtures["by_genre"]} >= {"court", "obituary"}
    found = {c["pair"]: c["found"] for c in fixtures["per_control"]}
    assert all(found[n] for n in VERBATIM_CONTROLS), found
    mrpc = result["mrpc"]
    assert mrpc["pairs"] == sum(label == 0 for label, _, _ in MRPC_PAIRS["test"])
    assert 0 <= mrpc["share_called_derived"] <= 1
    clough = result["clough"]
    assert (clough["answers"], clough["sources"]) == (sum(c == "non" for _, c, _ in ANSWERS.values()), len(ORIGINALS))
    assert [row["part"] for row in result["summary"]][2:] == ["MRPC test, label 0", "Clough-Stevenson non vs 5 sources"]

    out = run_script("bench_independent.py", SAME_EVENT_DIR, "--examples", 1)
    assert f"Same-story, independent: {pairs} same-event pairs and {controls} controls" in out
    assert "Share called derived (same-event pairs): " in out
    assert "share called derived" in out and "Controls (copy against its source)" in out and "By genre" in out
    assert "MRPC" not in out and "Wall time:" in out


# ---------------------------------------------------------------------------
# Speed, at the smallest size
# ---------------------------------------------------------------------------

SPEED_TINY = ("--signature-articles", 20, "--repeat", 1, "--ingest-articles", 150, "--jobs", 1, "--queries", 6,
              "--report-sizes", "60,120", "--budget", 3)


def test_fit_evidence(tmp_path):
    """The fit runs the product on the training cases only: no even-numbered same-event pair, no
    Clough test-split answer."""
    write_clough(tmp_path / "clough")
    result = run_json("fit_evidence.py", SEEDS_DIR, SAME_EVENT_DIR, tmp_path / "clough", "--derived", 3,
                      "--defaults-only")
    (row,) = result["rows"]
    assert result["best"] == row and result["defaults_are_the_fit"] is True
    groups = row["groups"]
    assert groups["derived copies (seed 2)"].endswith("/3")
    pairs = len(list(SAME_EVENT_DIR.glob("[0-9][0-9]-a.txt")))
    assert groups["same-event pairs (odd, both ways)"].endswith(f"/{2 * ((pairs + 1) // 2)}")
    test_split = {name for name in TEST_SPLIT if ANSWERS[name][1] != "orig"}
    trained = sum(int(value.split("/")[1]) for key, value in groups.items() if key.startswith("Clough"))
    assert trained == len(ANSWERS) - len(test_split)
    assert 0 <= row["false_alarms"] <= 1 and 0 <= row["copies_found"] <= 1


def test_bench_speed(tmp_path):
    result = run_json("bench_speed.py", *SPEED_TINY, "--out", tmp_path)
    bulk, = (row for row in result["signatures"]["rows"] if row["method"].startswith("datasketch MinHash.bulk"))
    assert bulk["same_values"] is True  # the same MinHash values as datasketch
    ingest = {row["contender"]: row for row in result["ingest"]["rows"]}
    assert ingest["dedupe index add --jobs 1"]["articles"] == 150
    assert ingest["datasketch MinHashLSH, whole documents, word 3-grams"]["wall_s"] > 0
    check = result["check"]
    assert check["queries"] == 6 and check["indexed"] == 150 and check["whole_and_warm_agree"]
    kinds = {row["kind"]: row for row in check["kinds"]}
    assert kinds["verbatim"]["flagged_whole"] == kinds["verbatim"]["queries"] == 1  # a planted copy is found
    assert kinds["unrelated"]["flagged_whole"] == 0
    report = result["report"]
    assert [row["size"] for row in report["rows"]] == [60, 120] and report["rows"][1]["other_pairs"] == 0
    assert report["rows"][1]["planted_found"]["verbatim"] == [1, 1]
    assert not list(tmp_path.iterdir())  # the work folder is emptied without --keep

    out = run_script("bench_speed.py", *SPEED_TINY, "--sections", "ingest,report", "--profile",
                     "--profile-articles", 20)
    assert "2. Ingest" in out and "4. dedupe report" in out and "1. Signatures" not in out
    assert "Profile of dedupe index add --jobs 1 (20 files), by own time:" in out
    assert "Profile of dedupe report (60 articles), by cumulative time:" in out


# ---------------------------------------------------------------------------
# Start-up time, once each
# ---------------------------------------------------------------------------


def test_bench_startup():
    result = run_json("bench_startup.py", "--repeat", 1)
    assert {"python -c pass", "dedupe --version", "dedupe clean (plain text)",
            "dedupe check (one against one)"} <= set(result)
    assert result["python -c pass"]["over_python_s"] == 0.0
    assert all(r["median_s"] > 0 for r in result.values())

    out = run_script("bench_startup.py", "--repeat", 1)
    assert "median wall time (s)" in out and "dedupe index list" in out


def test_fuzz_properties():
    out = run_script("fuzz_properties.py", "--examples", 3)
    properties = Path(ROOT, "tests", "test_properties.py").read_text(encoding="utf-8").count("\n@PROPERTIES\n")
    assert properties >= 4 and f"{properties} passed" in out


def test_bench_hostile():
    result = run_json("bench_hostile.py", "--quick", "--family", "embed-shortcodes", "--family", "reuters-sign-off")
    assert [row["family"] for row in result["families"]] == ["embed-shortcodes", "reuters-sign-off"]
    assert all(len(row["seconds"]) == 4 and "exponent" in row for row in result["families"])

    out = run_script("bench_hostile.py", "--quick", "--family", "ad-markers")
    assert "ad-markers" in out and "exponent" in out


def test_screenshot_report(tmp_path):
    """The README's picture of the seeds' report, taken in headless Chromium."""
    if not shutil.which("chromium") and not os.environ.get("CI"):
        pytest.skip("no chromium (Debian package) here")
    shot = tmp_path / "report.png"
    assert run_script("screenshot_report.py", "--out", shot, "--width", 800, "--height", 600).strip() == str(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(shot.read_bytes()[16:20], "big"), int.from_bytes(shot.read_bytes()[20:24], "big")) == (
        800, 600)


@pytest.mark.parametrize("name", sorted(p.name for p in SCRIPTS.glob("*.py") if p.name != "benchlib.py"))
def test_every_script_is_smoke_run_here(name):
    """A new script gets a smoke run in this file too."""
    assert f'"{name}"' in Path(__file__).read_text(encoding="utf-8")
