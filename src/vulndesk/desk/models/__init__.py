from vulndesk.desk.models.attachment import Attachment, FormSubmission
from vulndesk.desk.models.audit import AppendOnlyError, AuditChainHead, AuditEvent
from vulndesk.desk.models.comment import Comment
from vulndesk.desk.models.deadline import Deadline, DeadlinePause
from vulndesk.desk.models.distributor import Distributor, DistributorNotice
from vulndesk.desk.models.message import InboundMessage, ReplyAddress
from vulndesk.desk.models.project import IntakeChannels, Project, ReleaseLine, ReleaseLineStatus
from vulndesk.desk.models.report import (
    EMBARGOED,
    Affect,
    AffectStatus,
    AssessedRiskChoices,
    ChannelChoices,
    CreditChoices,
    CvssVersionChoices,
    DisclosureLevelChoices,
    DomainChoices,
    EvidenceChoices,
    LayerChoices,
    PrivateHandlingChoices,
    Report,
    ScopeChoices,
    SeverityChoices,
    StateChoices,
)
from vulndesk.desk.models.reporter import ReporterLink, ReporterMessage
from vulndesk.desk.models.team import FixTeamMember, TeamMember, TeamRole

__all__ = [
    "EMBARGOED",
    "Affect",
    "AffectStatus",
    "AppendOnlyError",
    "AssessedRiskChoices",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "ChannelChoices",
    "Comment",
    "CreditChoices",
    "CvssVersionChoices",
    "Deadline",
    "DeadlinePause",
    "DisclosureLevelChoices",
    "Distributor",
    "DistributorNotice",
    "DomainChoices",
    "EvidenceChoices",
    "FixTeamMember",
    "FormSubmission",
    "InboundMessage",
    "IntakeChannels",
    "LayerChoices",
    "PrivateHandlingChoices",
    "Project",
    "ReleaseLine",
    "ReleaseLineStatus",
    "ReplyAddress",
    "Report",
    "ReporterLink",
    "ReporterMessage",
    "ScopeChoices",
    "SeverityChoices",
    "StateChoices",
    "TeamMember",
    "TeamRole",
]
