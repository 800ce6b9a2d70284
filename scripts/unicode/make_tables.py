#!/usr/bin/python3
"""Writes model/tokenizer/unicode_tables.cpp: the Unicode data recur's tokenizer needs, from Python's unicodedata.

Usage (from the repository root):
  /usr/bin/python3 scripts/unicode/make_tables.py model/tokenizer/unicode_tables.cpp

The tables reproduce what Hugging Face tokenizers sees:
  * character classes for the GPT-2 split (letters \\p{L}, numbers \\p{N}, White_Space) and for the
    Whitespace pre-tokenizer and added-token word boundaries (\\w: Alphabetic, marks, decimal digits,
    connector punctuation, joiners);
  * canonical decompositions, combining classes and primary composites for NFC. Hugging Face's NFC
    uses Unicode 9.0 data, so the code points that received NFC data after 9.0 are left out: to the
    tokenizer they are plain starters without decomposition, exactly as Hugging Face treats them.

Only the standard library is used. The Unicode version is pinned so that the output is reproducible.
"""
import sys
import unicodedata

UNICODE_VERSION = "14.0.0"

# White_Space is not a general category: it is Zs, Zl, Zp plus these controls (PropList.txt).
WHITE_SPACE_CONTROLS = [(0x09, 0x0D), (0x85, 0x85)]
# Other_Alphabetic code points that are not marks (PropList.txt); the marks are covered by \p{M}.
OTHER_ALPHABETIC_SYMBOLS = [(0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169),
                            (0x1F170, 0x1F189)]
JOIN_CONTROL = [(0x200C, 0x200D)]
# Code points with a canonical combining class or a canonical decomposition that were assigned after
# Unicode 9.0 (DerivedAge.txt), which Hugging Face's normalization tables do not know.
NFC_AFTER_UNICODE_9 = [
    (0x07FD, 0x07FD), (0x0898, 0x089F), (0x08CA, 0x08D3), (0x09FE, 0x09FE), (0x0C3C, 0x0C3C),
    (0x0D3B, 0x0D3C), (0x0EBA, 0x0EBA), (0x1715, 0x1715), (0x1ABF, 0x1ACE), (0x1DF6, 0x1DFA),
    (0xA82C, 0xA82C), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC), (0x10F46, 0x10F50),
    (0x10F82, 0x10F85), (0x11070, 0x11070), (0x1133B, 0x1133B), (0x1145E, 0x1145E),
    (0x11839, 0x1183A), (0x11938, 0x11938), (0x1193D, 0x1193E), (0x11943, 0x11943),
    (0x119E0, 0x119E0), (0x11A34, 0x11A34), (0x11A47, 0x11A47), (0x11A99, 0x11A99),
    (0x11D42, 0x11D42), (0x11D44, 0x11D45), (0x11D97, 0x11D97), (0x16FF0, 0x16FF1),
    (0x1E130, 0x1E136), (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF),
]

LETTER, NUMBER, WHITE_SPACE, WORD = 1, 2, 4, 8
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def in_ranges(cp, ranges):
    return any(lo <= cp <= hi for lo, hi in ranges)


def code_points():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def char_flags(cp):
    cat = unicodedata.category(chr(cp))
    flags = 0
    if cat[0] == "L":
        flags |= LETTER
    if cat[0] == "N":
        flags |= NUMBER
    if cat in ("Zs", "Zl", "Zp") or in_ranges(cp, WHITE_SPACE_CONTROLS):
        flags |= WHITE_SPACE
    if (cat[0] in "LM" or cat in ("Nd", "Nl", "Pc") or in_ranges(cp, OTHER_ALPHABETIC_SYMBOLS)
            or in_ranges(cp, JOIN_CONTROL)):
        flags |= WORD
    return flags


def ranges_of(values):
    """[(first, last, value)] for runs of equal non-zero values over consecutive code points."""
    out = []
    for cp, value in values:
        if value and out and out[-1][1] == cp - 1 and out[-1][2] == value:
            out[-1][1] = cp
        elif value:
            out.append([cp, cp, value])
    return out


def known_to_nfc(cp):
    return not in_ranges(cp, NFC_AFTER_UNICODE_9)


def canonical_mapping(cp):
    """The one-level canonical decomposition of cp, or None."""
    d = unicodedata.decomposition(chr(cp))
    if not d or d.startswith("<") or not known_to_nfc(cp):
        return None
    return [int(x, 16) for x in d.split()]


def full_decomposition(cp):
    mapping = canonical_mapping(cp)
    if mapping is None:
        return [cp]
    out = []
    for part in mapping:
        out.extend(full_decomposition(part))
    return out


def combining_class(cp):
    return unicodedata.combining(chr(cp)) if known_to_nfc(cp) else 0


def main():
    if unicodedata.unidata_version != UNICODE_VERSION:
        sys.exit(f"expected unicodedata {UNICODE_VERSION}, found {unicodedata.unidata_version}; "
                 "run with /usr/bin/python3")
    if len(sys.argv) != 2:
        sys.exit(__doc__)

    classes = ranges_of((cp, char_flags(cp)) for cp in code_points())
    ccc = ranges_of((cp, combining_class(cp)) for cp in code_points())

    decompositions = []  # (cp, offset, length)
    decomposition_data = []
    compositions = []  # (first, second, composite)
    for cp in code_points():
        if HANGUL_FIRST <= cp <= HANGUL_LAST or canonical_mapping(cp) is None:
            continue
        full = full_decomposition(cp)
        decompositions.append((cp, len(decomposition_data), len(full)))
        decomposition_data.extend(full)
        mapping = canonical_mapping(cp)
        # A primary composite: a pair mapping that NFC leaves alone (not a composition exclusion).
        if len(mapping) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp):
            compositions.append((mapping[0], mapping[1], cp))
    compositions.sort()
    assert len(decomposition_data) < 1 << 16, "Decomposition::offset is 16 bits"

    lines = []
    emit = lines.append
    emit(f"// GENERATED from Python's unicodedata (Unicode {UNICODE_VERSION}) by")
    emit("// scripts/unicode/make_tables.py; do not edit. Regenerate from the repository root with")
    emit("//   /usr/bin/python3 scripts/unicode/make_tables.py model/tokenizer/unicode_tables.cpp")
    emit("// The NFC data leaves out the code points assigned after Unicode 9.0 (see the script).")
    emit('#include "model/tokenizer/unicode_tables.hpp"')
    emit("")
    emit("namespace recur::unicode_tables {")
    emit("namespace {")
    emit("")
    emit("// clang-format off")
    emit("constexpr ClassRange kClasses[] = {")
    for lo, hi, v in classes:
        emit(f"    {{0x{lo:04X}, 0x{hi:04X}, {v}}},")
    emit("};")
    emit("")
    emit("constexpr CombiningClassRange kCombiningClasses[] = {")
    for lo, hi, v in ccc:
        emit(f"    {{0x{lo:04X}, 0x{hi:04X}, {v}}},")
    emit("};")
    emit("")
    emit("constexpr char32_t kDecompositionData[] = {")
    for i in range(0, len(decomposition_data), 8):
        emit("    " + " ".join(f"0x{cp:04X}," for cp in decomposition_data[i:i + 8]))
    emit("};")
    emit("")
    emit("constexpr Decomposition kDecompositions[] = {")
    for cp, offset, length in decompositions:
        emit(f"    {{0x{cp:04X}, {offset}, {length}}},")
    emit("};")
    emit("")
    emit("constexpr Composition kCompositions[] = {")
    for first, second, composite in compositions:
        emit(f"    {{0x{first:04X}, 0x{second:04X}, 0x{composite:04X}}},")
    emit("};")
    emit("// clang-format on")
    emit("")
    emit("}  // namespace")
    emit("")
    for type_name, function, table in (
            ("ClassRange", "classes", "kClasses"),
            ("CombiningClassRange", "combining_classes", "kCombiningClasses"),
            ("Decomposition", "decompositions", "kDecompositions"),
            ("char32_t", "decomposition_data", "kDecompositionData"),
            ("Composition", "compositions", "kCompositions")):
        emit(f"std::span<const {type_name}> {function}() {{")
        emit(f"  return {table};")
        emit("}")
    emit("")
    emit("}  // namespace recur::unicode_tables")
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
