"""`vulndesk report embargo-break KEY`: record a break (--how, --by, --url), decide it
(--decide release_now|keep_date --reason), or, with neither, print the breaks and the policy's
guidance (KAR-37, KAR-38)."""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandError, OutputWrapper
from django.utils import timezone

from vulndesk.desk.management.output import human, print_json
from vulndesk.desk.models import Report
from vulndesk.desk.services import embargo_break


def run(out: OutputWrapper, report: Report, options: dict[str, Any], actor: User | None) -> None:
    if options["how"] and options["decide"]:
        raise CommandError("record the break (--how) and decide it (--decide) in two steps")
    if options["how"]:
        if not options["by_whom"]:
            raise CommandError("--by: say who broke the embargo (an organisation or a person)")
        embargo_break.record_break(
            report,
            how=options["how"],
            by_whom=options["by_whom"],
            source_url=options["url"],
            actor=actor,
        )
    elif options["decide"]:
        embargo_break.decide(report, options["decide"], actor=actor, reason=options["reason"])
    report.refresh_from_db()
    data = embargo_break.breaks_data(report, timezone.now())
    if options["json"]:
        print_json(out, data)
        return
    show(out, data)


def show(out: OutputWrapper, data: dict[str, Any]) -> None:
    out.write(f"{data['key']}: Release Date {human(data['release_date']) or 'not set'}")
    for brk in data["breaks"]:
        where = f" ({brk['source_url']})" if brk["source_url"] else ""
        out.write(f"break {brk['id']} at {human(brk['recorded_at'])} by {brk['by_whom']}{where}")
        out.write(f"  how: {brk['how']}")
        if brk["decision"]:
            out.write(
                f"  decided {brk['decision']} at {human(brk['decided_at'])}: "
                f"{brk['decision_reason']}; Release Date {human(brk['release_date_before'])}"
                f" -> {human(brk['release_date_after'])}"
            )
        else:
            out.write("  waiting for a decision: --decide release_now|keep_date --reason ...")
    guidance = data["guidance"]
    rules = f" ({', '.join(guidance['rule_ids'])})" if guidance["rule_ids"] else ""
    out.write(f"guidance: {guidance['default'] or 'no default'}: {guidance['text']}{rules}")
    out.write(f"releasing now would set the Release Date to {human(guidance['release_now_at'])}")
    for warning in guidance["warnings"]:
        out.write(f"  note: {warning}")
