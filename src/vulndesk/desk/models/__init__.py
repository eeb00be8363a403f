from vulndesk.desk.models.audit import AppendOnlyError, AuditChainHead, AuditEvent
from vulndesk.desk.models.deadline import Deadline, DeadlinePause
from vulndesk.desk.models.project import Project, ReleaseLine, ReleaseLineStatus
from vulndesk.desk.models.report import (
    Affect,
    AffectStatus,
    AssessedRiskChoices,
    CvssVersionChoices,
    DisclosureLevelChoices,
    DomainChoices,
    EvidenceChoices,
    LayerChoices,
    Report,
    ScopeChoices,
    SeverityChoices,
    StateChoices,
)
from vulndesk.desk.models.team import TeamMember, TeamRole

__all__ = [
    "Affect",
    "AffectStatus",
    "AppendOnlyError",
    "AssessedRiskChoices",
    "AuditChainHead",
    "AuditEvent",
    "CvssVersionChoices",
    "Deadline",
    "DeadlinePause",
    "DisclosureLevelChoices",
    "DomainChoices",
    "EvidenceChoices",
    "LayerChoices",
    "Project",
    "ReleaseLine",
    "ReleaseLineStatus",
    "Report",
    "ScopeChoices",
    "SeverityChoices",
    "StateChoices",
    "TeamMember",
    "TeamRole",
]
