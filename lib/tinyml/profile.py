"""Per-operator timing table: tinyml.profile.report(model, x)."""

import tinyml


def table(rows, clock=None):
    """Format profile rows [(op, macs, ticks)] as text, with totals."""
    name, hz = clock or tinyml.clock()
    total = sum(r[2] for r in rows) or 1
    lines = ["{:>3} {:<24} {:>10} {:>12} {:>6}".format("#", "op", "MACs", name, "%")]
    for i, (op, macs, ticks) in enumerate(rows):
        lines.append(f"{i:>3} {op:<24} {macs:>10} {ticks:>12} {100 * ticks / total:>6.1f}")
    macs = sum(r[1] for r in rows)
    lines.append("    {:<24} {:>10} {:>12}".format("total", macs, sum(r[2] for r in rows)))
    if hz:
        lines.append(f"    {1000 * total / hz:.3f} ms at {hz} Hz")
    return "\n".join(lines)


def report(model, x):
    """Profile one inference of `model` (tinyml.Model) on x and print the table."""
    rows = model.profile(x)
    print(table(rows))
    return rows
