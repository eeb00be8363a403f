"""What backports are planned over: the packages a project publishes, and the repositories that
install them (dependents) with the branches that matter, each tied to a release line or to
none (the dependent's main branch). Every change is checked, then written and audited in one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from vulndesk.desk.models import Dependent, DependentBranch, Package, Project, ReleaseLine
from vulndesk.desk.services import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _check(instance: models.Model, exclude: Sequence[str] = ()) -> None:
    """ValueError "field: what is wrong" for everything the model refuses, uniqueness included."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        problems = []
        for field, messages in exc.message_dict.items():
            name = "name" if field == "__all__" else field
            problems.append(f"{name}: {' '.join(messages)}")
        raise ValueError("; ".join(problems)) from None


def add_package(
    project: Project,
    *,
    name: str,
    ecosystem: str,
    repository: str,
    tag_pattern: str = "v{version}",
    main_branch: str = "main",
    private_remote: str = "",
    actor: User | None,
) -> Package:
    package = Package(
        project=project,
        name=name.strip(),
        ecosystem=ecosystem,
        repository=repository.strip(),
        tag_pattern=tag_pattern.strip(),
        main_branch=main_branch.strip(),
        private_remote=private_remote.strip(),
    )
    _check(package, exclude=["created_at"])
    with transaction.atomic():
        try:
            package.save()
        except IntegrityError:
            raise ValueError(f"name: {project.slug} already has a package {name!r}") from None
        audit.record(
            "backport.package_added",
            actor=actor,
            project=project,
            data={
                "package": package.name,
                "ecosystem": package.ecosystem,
                "repository": package.repository,
                "tag_pattern": package.tag_pattern,
                "main_branch": package.main_branch,
            },
        )
    return package


def parse_branch(text: str) -> tuple[str, str | None]:
    """`main` → (main, None); `open-release/zebrawood.master=zebrawood` → (branch, line)."""
    branch, found, line = text.partition("=")
    return branch.strip(), (line.strip() or None) if found else None


def add_dependent(
    project: Project,
    *,
    name: str,
    repository: str,
    private_remote: str = "",
    branches: Sequence[tuple[str, str | None]] = (),
    actor: User | None,
) -> Dependent:
    """A dependent and its branches: (branch, release line name, or None for its main)."""
    dependent = Dependent(
        project=project,
        name=name.strip(),
        repository=repository.strip(),
        private_remote=private_remote.strip(),
    )
    _check(dependent, exclude=["created_at"])
    names = [branch for branch, _ in branches]
    if twice := sorted({branch for branch in names if names.count(branch) > 1}):
        raise ValueError(f"branches: {', '.join(twice)} given more than once")
    rows = [_branch(dependent, branch, line) for branch, line in branches]
    with transaction.atomic():
        try:
            dependent.save()
        except IntegrityError:
            raise ValueError(f"name: {project.slug} already has a dependent {name!r}") from None
        for row in rows:
            row.dependent = dependent
            row.save()
        audit.record(
            "backport.dependent_added",
            actor=actor,
            project=project,
            data={
                "dependent": dependent.name,
                "repository": dependent.repository,
                "branches": [_described(row) for row in rows],
            },
        )
    return dependent


def add_branch(
    dependent: Dependent,
    branch: str,
    line: str | None,
    *,
    pin_files: Sequence[str] = (),
    actor: User | None,
) -> DependentBranch:
    row = _branch(dependent, branch, line, pin_files)
    with transaction.atomic():
        try:
            row.save()
        except IntegrityError:
            raise ValueError(f"branch: {dependent.name} already lists {branch!r}") from None
        audit.record(
            "backport.dependent_branch_added",
            actor=actor,
            project=dependent.project,
            data={"dependent": dependent.name, "branch": _described(row)},
        )
    return row


def _branch(
    dependent: Dependent, branch: str, line: str | None, pin_files: Sequence[str] = ()
) -> DependentBranch:
    release_line = None
    if line is not None:
        release_line = ReleaseLine.objects.filter(project=dependent.project, name=line).first()
        if release_line is None:
            known = ", ".join(
                dependent.project.release_lines.order_by("name").values_list("name", flat=True)
            )
            raise ValueError(
                f"branches: {dependent.project.slug} has no release line {line!r} "
                f"(its lines: {known or 'none yet'}); write BRANCH=LINE with one of them, or "
                "BRANCH alone for the dependent's main branch"
            )
    row = DependentBranch(
        dependent=dependent, branch=branch, release_line=release_line, pin_files=list(pin_files)
    )
    exclude: list[str] = ["dependent"] if dependent.pk is None else []
    try:
        _check(row, exclude=exclude)
    except ValueError as exc:
        raise ValueError(f"branches: {branch!r}: {str(exc).partition(': ')[2]}") from None
    return row


def _described(row: DependentBranch) -> dict[str, str | None]:
    return {
        "branch": row.branch,
        "line": row.release_line.name if row.release_line else None,
    }


def packages(project: Project) -> list[Package]:
    return list(project.packages.order_by("name"))


def dependents(project: Project) -> list[Dependent]:
    """In the order they were registered, which is the order plans list them in."""
    found = project.dependents.prefetch_related("branches__release_line").order_by("pk")
    return list(found)
