"""The reviewed classification of every token-like input member in botocore's models.

Data only, for review and for ``tools/write_knowledge.py``, which distils it into
``_knowledge/knowledge.txt``, what a client's first call reads (one service at a time): never
imported on a call's path. Plain tuples, frozensets and strings; no botocore, no
regular expression compiled here.

How it is made
--------------
``tools/scan_tokens.py`` walks every operation's input of every service model of the
installed botocore and lists the string members that look like idempotency tokens
(by name or by documentation), plus the members botocore traits as tokens that
look like something else. Each finding was then read by hand, documentation in
full, and put in exactly one class below, with the sentence it was judged by
(trimmed) or the reason:

GENERATED
    The library fills the member with a generated token when the caller gives
    none: untraited members documented as idempotency tokens, and traited ones
    that the scan flagged but that are tokens. Every one admits a 36-character
    UUID or, where the shape forbids it (ACM, CloudHSM), 32 hex characters.
CALLER_REFERENCES
    Never generated: references the caller chooses and that mean something to
    the caller (Route 53 and CloudFront ``CallerReference``, KMS grant ``Name``,
    SQS and SNS FIFO ``MessageDeduplicationId``, ...), tokens inside the
    elements of a batch (one per element; never generated), and Config
    ``StartResourceEvaluation.ClientToken`` (exactly 64 characters, which no
    generated form fits). A call that carries one is safe to resend; for a path
    through a list (``"[]"``), only if every element carries one.
NOT_TOKENS
    Named or documented like tokens, or traited, but not request tokens: a
    credential, a session or resource id, a pagination-like token,
    configuration. Also every member whose documentation is too thin to be sure
    of: those are never generated and make nothing resend-safe.

Two more tables describe token members of any class (traited ones included):

DOCUMENTED_LIMITS
    Where the documentation bounds a member and the model does not (ECS
    ``clientToken``: "Up to 36 ASCII characters in the range of 33-126 (inclusive)
    are allowed."): the length and the allowed characters, as the tool extracts
    them. ``pattern`` is a regular expression for the whole value, compiled by
    whoever checks a value, not here.
REPEAT_BEHAVIOUR
    What the service documents for a *repeated* token or reference: ``REPLAY``
    (the first result comes back), ``CONFLICT`` (an error, listed in ``codes``),
    or ``UNCLEAR`` (documentation says neither; ``codes`` are the errors that a
    repeat may get). Every caller reference has an entry; a generated token has
    one only where the documentation departs from replay. No entry: replay, the
    documented contract of client tokens.

Paths are tuples of member names from the top of the input; ``"[]"`` stands for
each element of a list, ``"{}"`` for each value of a map.

After a botocore upgrade
------------------------
Run ``python tools/scan_tokens.py --unreviewed`` with the new botocore installed: it
prints the findings that are in no class. Read each member's documentation, add it to
one class with its sentence or reason, and run ``tests/knowledge/test_token_scan.py``.
When the resend scan is clean too, write the manifest (``tools/write_manifest.py``) and
raise ``REVIEWED_WITH`` in ``_knowledge/review.py``. On the reviewed release the tests
are strict (an unclassified finding, an entry whose member is gone, a documented limit
the tool now reads differently: each fails); on any other release they report what is
unreviewed and pass. Entries for members that an older botocore lacks are kept.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

__all__ = [
    "CALLER_REFERENCES",
    "CONFLICT",
    "DERIVED_NAMES",
    "DOCUMENTED_LIMITS",
    "GENERATED",
    "NOT_DERIVED",
    "NOT_TOKENS",
    "REPEAT_BEHAVIOUR",
    "REPLAY",
    "RETIRED_SERVICES",
    "SAME_ROLE",
    "UNCLEAR",
    "DerivedName",
    "Entry",
    "Limit",
    "Repeat",
    "caller_references",
    "classify",
    "derived_names",
    "documented_limit",
    "generated",
    "is_not_token",
    "repeat_behaviour",
    "repeat_conflicts",
]

#: Services that the reviewed botocore no longer has but an older supported line does
#: (1.43.x before 1.43.127 has Panorama): their entries are kept for those lines.
RETIRED_SERVICES = frozenset({"panorama"})

#: What a service answers to a repeated token or reference.
REPLAY = "replay"
CONFLICT = "conflict"
UNCLEAR = "unclear"

Path = tuple[str, ...]


class Entry(NamedTuple):
    """One reviewed member: where it is, and why it is in its class."""

    service: str
    operation: str
    path: Path
    evidence: str


class Limit(NamedTuple):
    """A documented constraint the model does not state.

    Attributes:
        min_length: The documented minimum length, or ``None``.
        max_length: The documented maximum length, or ``None`` (the model's holds).
        pattern: The allowed characters, a regular expression matched against the
            whole value, or ``None`` (the model's pattern holds).
        sentence: The documentation it comes from.
    """

    service: str
    operation: str
    path: Path
    min_length: int | None
    max_length: int | None
    pattern: str | None
    sentence: str


class Repeat(NamedTuple):
    """What a service documents for a repeated token or reference of one operation.

    Attributes:
        behaviour: ``REPLAY``, ``CONFLICT`` or ``UNCLEAR``.
        codes: Error codes a repeat is answered with (empty for ``REPLAY``, and where
            the documentation names none).
        marker: Text the error's message or detail must contain besides its code
            (MTurk answers ``RequestError`` for many things), or ``None``.
        sentence: The documentation it comes from, quoted.
        tied: Whether the documentation ties ``codes`` to *this* token or reference
            (Route 53 ``HostedZoneAlreadyExists``: "already been created with the
            specified CallerReference"). Only then is such an answer to a resend read
            as the earlier attempt's success (``EarlierAttemptSucceeded``); a code that
            may mean a clash of names (Route 53 ``KeySigningKeyAlreadyExists``: "with
            this name or with the same customer managed key ARN"), or one inferred,
            stays the service's own error, with the call's ``call_info`` saying an
            earlier attempt may have acted.
    """

    service: str
    operation: str
    behaviour: str
    codes: frozenset[str]
    marker: str | None
    sentence: str
    tied: bool = True


def _each(service: str, path: Path, evidence: str, *operations: str) -> tuple[Entry, ...]:
    return tuple(Entry(service, operation, path, evidence) for operation in operations)


#: Untraited members (and flagged traited ones) that get a generated token when absent.
# fmt: off
GENERATED: tuple[Entry, ...] = (
    Entry("greengrass", "CreateDeployment", ("AmznClientToken",), "The operation's documentation: ''CreateDeployment'' requests are idempotent with respect to the ''X-Amzn-Client-Token'' token and the request parameters."),
    Entry("greengrass", "StartBulkDeployment", ("AmznClientToken",), "The operation's documentation: 'We recommend that you include an ''X-Amzn-Client-Token'' token in every ''StartBulkDeployment'' request. These requests are idempotent with respect to the token and the request parameters.'"),
    Entry("abuse-signal", "CreateAbuseReport", ("clientToken",), "An optional, client-provided idempotency token that ensures the operation completes no more than once. If the token matches a previous request within 24 hours, the service returns the existing report ID instead of creating a new report."),
    Entry("acm", "PutAccountConfiguration", ("IdempotencyToken",), "If you call PutAccountConfiguration multiple times with the same unexpired idempotency token, ACM treats it as the same request and returns the original result. (At most 32 word characters: 32 hex.)"),
    Entry("acm", "RequestCertificate", ("IdempotencyToken",), "If you call RequestCertificate multiple times with the same idempotency token within one hour, ACM recognizes that you are requesting only one certificate and will issue only one. (At most 32 word characters: 32 hex.)"),
    Entry("acm-pca", "CreateCertificateAuthority", ("IdempotencyToken",), "If you call CreateCertificateAuthority multiple times with the same idempotency token within five minutes, Amazon Web Services Private CA recognizes that you are requesting only certificate authority and will issue only one."),
    *_each("amplifygen3", ("ClientToken",), "A unique, case-sensitive identifier that you provide to ensure the idempotency of the request. (Untraited; 1 to 64 characters.)", "EnableAccessControl", "PutIdentityProviderConfig", "UpdateAccessControl"),
    Entry("appmonetization", "DeleteOneTimePrice", ("clientToken",), "A unique, case-sensitive identifier to ensure that the operation completes no more than one time. If this token matches a previous request, the service ignores the request but does not return an error."),
    Entry("acm-pca", "IssueCertificate", ("IdempotencyToken",), "If you call IssueCertificate multiple times with the same idempotency token within five minutes, Amazon Web Services Private CA recognizes that you are requesting only one certificate and will issue only one."),
    *_each("athena", ("ClientRequestToken",), "A unique case-sensitive string used to ensure the request to create the notebook is idempotent (executes only once).", "CreateNotebook", "UpdateNotebook", "UpdateNotebookMetadata"),
    Entry("athena", "ImportNotebook", ("ClientRequestToken",), "A unique case-sensitive string used to ensure the request to import the notebook is idempotent (executes only once)."),
    Entry("athena", "StartCalculationExecution", ("ClientRequestToken",), "A unique case-sensitive string used to ensure the request to create the calculation is idempotent (executes only once)."),
    Entry("athena", "StartSession", ("ClientRequestToken",), "A unique case-sensitive string used to ensure the request to create the session is idempotent (executes only once)."),
    Entry("backup", "CreateRestoreTestingPlan", ("CreatorRequestId",), "This is a unique string that identifies the request and allows failed requests to be retriedwithout the risk of running the operation twice."),
    Entry("backup", "CreateRestoreTestingSelection", ("CreatorRequestId",), "This is an optional unique string that identifies the request and allows failed requests to be retried without the risk of running the operation twice."),
    Entry("backup", "StartScanJob", ("IdempotencyToken",), "Retrying a successful request with the same idempotency token results in a success message with no action taken."),
    *_each("backupsearch", ("ClientToken",), "Include this parameter to allow multiple identical calls for idempotency.", "StartSearchJob", "StartSearchResultExportJob"),
    Entry("bedrock", "CreateModelImportJob", ("clientRequestToken",), "A unique, case-sensitive identifier to ensure that the API request completes no more than one time."),
    *_each("chime-sdk-voice", ("ClientRequestToken",), "The unique identifier for the client request. 'Use a different token for different ...' (the wording of Chime SDK Meetings' traited ClientRequestToken). The model pattern is not valid Python; a UUID fits its 2 to 64 [-_a-zA-Z0-9].", "CreateVoiceProfileDomain", "StartSpeakerSearchTask", "StartVoiceToneAnalysisTask"),
    Entry("cloud9", "CreateEnvironmentEC2", ("clientRequestToken",), "A unique, case-sensitive string that helps Cloud9 to ensure this operation completes no more than one time."),
    Entry("cloudformation", "CancelUpdateStack", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to cancel an update on a stack with the same name."),
    Entry("cloudformation", "ContinueUpdateRollback", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to continue the rollback to a stack with the same name."),
    Entry("cloudformation", "CreateChangeSet", ("ClientToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to create another change set with the same name."),
    Entry("cloudformation", "CreateStack", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to create a stack with the same name."),
    Entry("cloudformation", "DeleteStack", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to delete a stack with the same name."),
    *_each("cloudformation", ("OperationId",), "Traited StackSet operation id; CreateStackInstances documents it: 'The operation ID also functions as an idempotency token'.", "DetectStackSetDrift", "ImportStacksToStackSet"),
    Entry("cloudformation", "ExecuteChangeSet", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to execute a change set to update a stack with the same name."),
    Entry("cloudformation", "RegisterType", ("ClientRequestToken",), "A unique identifier that acts as an idempotency key for this registration request."),
    Entry("cloudformation", "StartResourceScan", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to start a new resource scan."),
    Entry("cloudformation", "UpdateStack", ("ClientRequestToken",), "Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to update a stack with the same name."),
    Entry("cloudhsm", "CreateHsm", ("ClientToken",), "A user-defined token to ensure idempotence. (Pattern [a-zA-Z0-9]{1,64}: 32 hex.)"),
    Entry("codebuild", "RetryBuild", ("idempotencyToken",), "A unique, case sensitive identifier you provide to ensure the idempotency of the RetryBuild request."),
    Entry("codebuild", "RetryBuildBatch", ("idempotencyToken",), "A unique, case sensitive identifier you provide to ensure the idempotency of the RetryBuildBatch request."),
    Entry("codebuild", "StartBuild", ("idempotencyToken",), "A unique, case sensitive identifier you provide to ensure the idempotency of the StartBuild request."),
    Entry("codebuild", "StartBuildBatch", ("idempotencyToken",), "A unique, case sensitive identifier you provide to ensure the idempotency of the StartBuildBatch request."),
    *_each("codecatalyst", ("clientToken",), "A user-specified idempotency token.", "CreateDevEnvironment", "UpdateDevEnvironment"),
    Entry("comprehend", "StartFlywheelIteration", ("ClientRequestToken",), "'If you don't set the client request token, Amazon Comprehend generates one.': the wording of Comprehend's traited ClientRequestToken members."),
    *_each("connect", ("ClientToken",), "A unique, case-sensitive identifier that you provide to ensure the idempotency of the request.", "CreateEmailAddress", "CreatePersistentContactAssociation", "StartContactConversationalAnalyticsJob", "UpdateEmailAddressMetadata"),
    Entry("connect", "CreateView", ("ClientToken",), "A unique Id for each create view request to avoid duplicate view creation."),
    *_each("directconnect", ("clientToken",), "A unique, case-sensitive identifier that you provide to ensure the idempotency of the request.", "AssociateConnectionsToResiliencyGroup", "CreateResiliencyGroup", "DisassociateConnectionsFromResiliencyGroup", "UpdateResiliencyGroup"),
    *_each("ec2", ("ClientToken",), "Unique, case-sensitive identifier that you provide to ensure the idempotency of the request.", "AllocateHosts", "CopyFpgaImage", "CreateCapacityReservation", "CreateEgressOnlyInternetGateway", "CreateFlowLogs", "CreateFpgaImage", "CreateVpcEndpoint", "CreateVpcEndpointConnectionNotification", "CreateVpcEndpointServiceConfiguration", "PurchaseHostReservation", "RequestSpotInstances"),
    Entry("ec2", "CreateReservedInstancesListing", ("ClientToken",), "Unique, case-sensitive identifier you provide to ensure idempotency of your listings."),
    Entry("ec2", "ImportImage", ("ClientToken",), "The token to enable idempotency for VM import requests."),
    Entry("ec2", "ImportSnapshot", ("ClientToken",), "Token to enable idempotency for VM import requests."),
    Entry("ec2", "ModifyInstanceCreditSpecification", ("ClientToken",), "A unique, case-sensitive token that you provide to ensure idempotency of your modification request."),
    Entry("ec2", "ModifyReservedInstances", ("ClientToken",), "A unique, case-sensitive token you provide to ensure idempotency of your modification request."),
    Entry("ec2", "RequestSpotFleet", ("SpotFleetRequestConfig", "ClientToken"), "A unique, case-sensitive identifier that you provide to ensure the idempotency of your listings."),
    *_each("ecs", ("clientToken",), "An identifier that you provide to ensure the idempotency of the request.", "CreateDaemon", "CreateService", "CreateTaskSet"),
    Entry("emr", "StartSession", ("ClientRequestToken",), "A unique, case-sensitive identifier that you provide to ensure the idempotency of the request."),
    Entry("es", "CreateVpcEndpoint", ("ClientToken",), "Unique, case-sensitive identifier to ensure idempotency of the request."),
    Entry("gamelift", "CreateGameSession", ("IdempotencyToken",), "This is useful for ensuring that game session requests with the same idempotency token are processed only once."),
    *_each("glue", ("ClientToken",), "Used for idempotency and is recommended to be set to a random ID (such as a UUID) to avoid creating or starting multiple instances of the same resource.", "CreateDataQualityRuleset", "StartDataQualityRuleRecommendationRun", "StartDataQualityRulesetEvaluationRun"),
    Entry("healthlake", "StartDataTransformationJob", ("ClientToken",), "A unique, case-sensitive identifier to ensure that the operation completes no more than one time."),
    Entry("iot-managed-integrations", "StartDeviceDiscovery", ("ClientToken",), "An idempotency token."),
    Entry("iotsitewise", "ExecuteAction", ("clientToken",), "A unique case-sensitive identifier that you can provide to ensure the idempotency of the request."),
    Entry("kafka", "StartTopicReassignment", ("ClientToken",), "If you retry a request with the same client token within 24 hours, the API returns the original response without creating a duplicate operation."),
    Entry("kendra", "CreateFeaturedResultsSet", ("ClientToken",), "Multiple calls to the CreateFeaturedResultsSet API with the same client token will create only one featured results set."),
    *_each("license-manager", ("ClientToken",), "Unique, case-sensitive identifier that you provide to ensure the idempotency of the request.", "CheckoutBorrowLicense", "CheckoutLicense", "CreateGrant", "CreateGrantVersion", "CreateLicense", "CreateLicenseAssetGroup", "CreateLicenseAssetRuleset", "CreateLicenseManagerReportGenerator", "CreateLicenseVersion", "UpdateLicenseAssetGroup", "UpdateLicenseAssetRuleset", "UpdateLicenseManagerReportGenerator"),
    Entry("license-manager", "CreateToken", ("ClientToken",), "Idempotency token, valid for 10 minutes."),
    Entry("medialive", "CreateCluster", ("RequestId",), "Traited; MediaLive's RequestId elsewhere: 'This is needed to prevent retries from creating multiple resources.'"),
    Entry("mturk", "CreateAdditionalAssignmentsForHIT", ("UniqueRequestToken",), "A unique identifier for this request, which allows you to retry the call on error without extending the HIT multiple times."),
    *_each("mturk", ("UniqueRequestToken",), "A unique identifier for this request which allows you to retry the call on error without creating duplicate HITs.", "CreateHIT", "CreateHITWithHITType"),
    Entry("mturk", "SendBonus", ("UniqueRequestToken",), "A unique identifier for this request, which allows you to retry the call on error without granting multiple bonuses."),
    *_each("observabilityadmin", ("ClientToken",), "A unique, case-sensitive identifier that you provide to ensure the operation completes no more than one time.", "CreateConnector", "PutConnectorTelemetryManifest"),
    Entry("omics", "CreateMultipartReadSetUpload", ("clientToken",), "An idempotency token that can be used to avoid triggering multiple multipart uploads."),
    Entry("omics", "CreateReferenceStore", ("clientToken",), "To ensure that requests don't run multiple times, specify a unique token for each request."),
    *_each("omics", ("clientToken",), "To ensure that jobs don't run multiple times, specify a unique token for each job.", "StartReadSetActivationJob", "StartReadSetExportJob", "StartReadSetImportJob", "StartReferenceImportJob"),
    Entry("opensearch", "AttachDataSource", ("clientToken",), "A unique, case-sensitive identifier to ensure idempotency of the request."),
    Entry("opensearch", "CreateVpcEndpoint", ("ClientToken",), "Unique, case-sensitive identifier to ensure idempotency of the request."),
    Entry("opensearch", "StartMigration", ("clientToken",), "A unique, case-sensitive identifier to ensure that the operation completes no more than one time."),
    Entry("partnercentral-benefits", "AmendBenefitApplication", ("ClientToken",), "A unique, case-sensitive identifier to ensure idempotent processing of the amendment request."),
    Entry("partnercentral-benefits", "CancelBenefitApplication", ("ClientToken",), "A unique, case-sensitive identifier to ensure idempotent processing of the cancellation request."),
    Entry("partnercentral-benefits", "CreateBenefitApplication", ("ClientToken",), "A unique, case-sensitive identifier to ensure idempotent processing of the creation request."),
    Entry("partnercentral-benefits", "RecallBenefitApplication", ("ClientToken",), "A unique, case-sensitive identifier to ensure idempotent processing of the recall request."),
    Entry("partnercentral-benefits", "UpdateBenefitApplication", ("ClientToken",), "A unique, case-sensitive identifier to ensure idempotent processing of the update request."),
    Entry("qconnect", "CreateMessageTemplateAttachment", ("clientToken",), "A unique, case-sensitive identifier that you provide to ensure the idempotency of the request."),
    Entry("quicksight", "CreateLimitsProfile", ("clientToken",), "A unique, case-sensitive identifier to ensure that the operation completes no more than one time."),
    *_each("ram", ("clientToken",), "Specifies a unique, case-sensitive identifier that you provide to ensure the idempotency of the request.", "AcceptResourceShareInvitation", "AssociateResourceShare", "AssociateResourceSharePermission", "CreatePermission", "CreatePermissionVersion", "CreateResourceShare", "DeletePermission", "DeletePermissionVersion", "DeleteResourceShare", "DisassociateResourceShare", "DisassociateResourceSharePermission", "PromotePermissionCreatedFromPolicy", "RejectResourceShareInvitation", "ReplacePermissionAssociations", "SetDefaultPermissionVersion", "UpdatePermission", "UpdateResourceShare"),
    Entry("rekognition", "CreateFaceLivenessSession", ("ClientRequestToken",), "Idempotent token is used to recognize the Face Liveness request."),
    *_each("rekognition", ("ClientRequestToken",), "Idempotent token used to identify the start request.", "StartCelebrityRecognition", "StartContentModeration", "StartFaceDetection", "StartFaceSearch", "StartLabelDetection", "StartPersonTracking", "StartSegmentDetection", "StartTextDetection"),
    *_each("route53resolver", ("CreatorRequestId",), "A unique string that identifies the request and that allows failed requests to be retried without the risk of running the operation twice.", "CreateOutpostResolver", "CreateResolverEndpoint", "CreateResolverRule"),
    Entry("sagemaker", "UpdateModelPackage", ("ClientToken",), "A unique token that guarantees that the call to this API is idempotent."),
    Entry("sagemakertrainingsessionruntime", "ExecuteTrainingOperation", ("clientToken",), "A unique, case-sensitive identifier that you provide to ensure that the operation completes no more than one time."),
    Entry("ssm", "StartAutomationExecution", ("ClientToken",), "User-provided idempotency token."),
    Entry("ssm", "StartChangeRequestExecution", ("ClientToken",), "The user-provided idempotency token."),
    *_each("ssm-contacts", ("IdempotencyToken",), "A token that ensures that the operation is called only once with the specified details.", "CreateRotation", "CreateRotationOverride"),
    Entry("storagegateway", "AssociateFileSystem", ("ClientToken",), "A unique string value that you supply that is used by the FSx File Gateway to ensure idempotent file system association creation."),
    *_each("storagegateway", ("ClientToken",), "A unique identifier that you use to retry a request.", "CreateCachediSCSIVolume", "CreateTapes"),
    *_each("storagegateway", ("ClientToken",), "A unique string value that you supply that is used by S3 File Gateway to ensure idempotent file share creation.", "CreateNFSFileShare", "CreateSMBFileShare"),
    Entry("storagegateway", "StartCacheReport", ("ClientToken",), "A unique identifier that you use to ensure idempotent report generation if you need to retry an unsuccessful StartCacheReport request."),
    *_each("textract", ("ClientRequestToken",), "The idempotent token that you use to identify the start request.", "StartDocumentAnalysis", "StartLendingAnalysis"),
    *_each("textract", ("ClientRequestToken",), "The idempotent token that's used to identify the start request.", "StartDocumentTextDetection", "StartExpenseAnalysis"),
    *_each("wellarchitected", ("ClientRequestToken",), "A unique case-sensitive string used to ensure that this request is idempotent (executes only once).", "UpgradeLensReview", "UpgradeReviewTemplateLensReview"),
    *_each("workspaces", ("ClientToken",), "A string of up to 64 ASCII characters that Amazon WorkSpaces uses to ensure idempotent creation.", "AcceptAccountLinkInvitation", "CreateAccountLinkInvitation", "DeleteAccountLinkInvitation"),
)
# fmt: on

#: The caller's references: never generated; a call that carries one is safe to resend.
# fmt: off
CALLER_REFERENCES: tuple[Entry, ...] = (
    Entry("lambda", "Invoke", ("DurableExecutionName",), "Durable functions only (header X-Amz-Durable-Execution-Name): 'If you invoke a durable function using a name that already exists with the same payload, Lambda returns the existing execution instead of creating a duplicate.' Never generated: the name is the caller's."),
    Entry("eventbridgev2", "PutEvents", ("Entries", "[]", "SystemMetadata", "DeduplicationId"), "FIFO buses, per entry: 'Deduplication ID for FIFO deduplication.' Never generated: it must name the event."),
    Entry("eventbridgev2", "PutRawEvents", ("Entries", "[]", "SystemMetadata", "DeduplicationId"), "FIFO buses, per entry: 'Deduplication ID for FIFO deduplication.' Never generated: it must name the event."),
    Entry("acm-pca", "BatchCreateCertificateAuthorityReplica", ("Replicas", "[]", "IdempotencyToken"), "One token per Region's replica: 'If this token matches a previous request, Amazon Web Services Private CA returns the same replica instead of creating another one.' Inside list elements: never generated."),
    Entry("appmonetization", "PutCustomCharges", ("charges", "[]", "chargeId"), "Required, one per charge: 'It is the idempotency and replace key: re-submitting the same chargeId within its assigned period upserts the charge in place.' The caller's id for the charge: never generated."),
    *_each("chime-sdk-meetings", ("Attendees", "[]", "ExternalUserId"), "The caller's user id, one per attendee: 'The Amazon Chime SDK external user ID. An idempotency token.'", "BatchCreateAttendee", "CreateMeetingWithAttendees"),
    Entry("chime-sdk-meetings", "CreateAttendee", ("ExternalUserId",), "The caller's user id: 'The Amazon Chime SDK external user ID. An idempotency token.'"),
    Entry("cloudfront", "CopyDistribution", ("CallerReference",), "This helps to prevent CloudFront from creating a duplicate resource if you accidentally resubmit an identical request."),
    Entry("cloudfront", "CreateCloudFrontOriginAccessIdentity", ("CloudFrontOriginAccessIdentityConfig", "CallerReference"), "A unique value (for example, a date-time stamp) that ensures that the request can't be replayed."),
    Entry("cloudfront", "CreateDistribution", ("DistributionConfig", "CallerReference"), "A unique value (for example, a date-time stamp) that ensures that the request can't be replayed."),
    Entry("cloudfront", "CreateDistributionWithTags", ("DistributionConfigWithTags", "DistributionConfig", "CallerReference"), "A unique value (for example, a date-time stamp) that ensures that the request can't be replayed."),
    Entry("cloudfront", "CreateFieldLevelEncryptionConfig", ("FieldLevelEncryptionConfig", "CallerReference"), "A unique number that ensures the request can't be replayed."),
    Entry("cloudfront", "CreateFieldLevelEncryptionProfile", ("FieldLevelEncryptionProfileConfig", "CallerReference"), "A unique number that ensures that the request can't be replayed."),
    *_each("cloudfront", ("InvalidationBatch", "CallerReference"), "CloudFront uses the value to prevent you from accidentally resubmitting an identical request.", "CreateInvalidation", "CreateInvalidationForDistributionTenant"),
    Entry("cloudfront", "CreatePublicKey", ("PublicKeyConfig", "CallerReference"), "A string included in the request to help make sure that the request can't be replayed."),
    Entry("cloudfront", "CreateStreamingDistribution", ("StreamingDistributionConfig", "CallerReference"), "A unique value (for example, a date-time stamp) that ensures that the request can't be replayed."),
    Entry("cloudfront", "CreateStreamingDistributionWithTags", ("StreamingDistributionConfigWithTags", "StreamingDistributionConfig", "CallerReference"), "A unique value (for example, a date-time stamp) that ensures that the request can't be replayed."),
    Entry("config", "StartResourceEvaluation", ("ClientToken",), "A real token, but the model requires 64 to 256 characters and the documentation 'up to 64 ASCII characters': exactly 64, which neither a UUID nor 32 hex fits. The caller supplies it."),
    Entry("connectcampaigns", "PutDialRequestBatch", ("dialRequests", "[]", "clientToken"), "Client provided parameter used for idempotency. Required in each element; tokens inside list elements are never generated."),
    Entry("connectcampaignsv2", "PutOutboundRequestBatch", ("outboundRequests", "[]", "clientToken"), "Client provided parameter used for idempotency. Required in each element; tokens inside list elements are never generated."),
    Entry("connectcampaignsv2", "PutProfileOutboundRequestBatch", ("profileOutboundRequests", "[]", "clientToken"), "Client provided parameter used for idempotency. Required in each element; tokens inside list elements are never generated."),
    Entry("datapipeline", "CreatePipeline", ("uniqueId",), "You use this parameter to ensure idempotency during repeated calls to CreatePipeline ."),
    Entry("kms", "CreateGrant", ("Name",), "A friendly name the caller chooses: 'Use this value to prevent the unintended creation of duplicate grants when retrying this request.'"),
    Entry("marketplace-agreement", "BatchCreateBillingAdjustmentRequest", ("billingAdjustmentRequestEntries", "[]", "clientToken"), "A unique, case-sensitive identifier that you provide to ensure the idempotency of the request. Required in each element; tokens inside list elements are never generated."),
    Entry("route53", "CreateCidrCollection", ("CallerReference",), "A client-specific token that allows requests to be securely retried so that the intended outcome will only occur once, retries receive a similar response, and there are no additional edge cases to handle."),
    Entry("route53", "CreateHealthCheck", ("CallerReference",), "A unique string that identifies the request and that allows you to retry a failed CreateHealthCheck request without the risk of creating two identical health checks: If you send a CreateHealthCheck request with the same ..."),
    Entry("route53", "CreateHostedZone", ("CallerReference",), "A unique string that identifies the request and that allows failed CreateHostedZone requests to be retried without the risk of executing the operation twice."),
    Entry("route53", "CreateKeySigningKey", ("CallerReference",), "A unique string that identifies the request. (Required; a repeat carries the same key name and gets KeySigningKeyAlreadyExists.)"),
    Entry("route53", "CreateReusableDelegationSet", ("CallerReference",), "A unique string that identifies the request, and that allows you to retry failed CreateReusableDelegationSet requests without the risk of executing the operation twice."),
    Entry("route53globalresolver", "BatchCreateFirewallRule", ("firewallRules", "[]", "clientToken"), "A unique string that identifies the request and ensures idempotency. Required in each element; tokens inside list elements are never generated."),
    Entry("route53resolver", "BatchCreateFirewallRule", ("CreateFirewallRuleEntries", "[]", "CreatorRequestId"), "A unique string that identifies the request and that allows you to retry failed requests without the risk of running the operation twice. Required in each element; tokens inside list elements are never generated."),
    Entry("sns", "Publish", ("MessageDeduplicationId",), "FIFO topics only: 'If a message with a particular MessageDeduplicationId is sent successfully, subsequent messages within the deduplication scope and interval, with the same MessageDeduplicationId, are accepted successfully but ..."),
    Entry("sns", "PublishBatch", ("PublishBatchRequestEntries", "[]", "MessageDeduplicationId"), "FIFO topics only, per entry: 'Every message must have a unique MessageDeduplicationId, which is a token used for deduplication of sent messages within the 5 minute minimum deduplication interval.'"),
    Entry("sqs", "ReceiveMessage", ("ReceiveRequestAttemptId",), "FIFO queues only: 'it is possible to retry the same action with an identical ReceiveRequestAttemptId to retrieve the same set of messages'. Not generated: documented for FIFO queues only; on a standard queue a resend at worst hides the first batch until its visibility timeout."),
    Entry("sqs", "SendMessage", ("MessageDeduplicationId",), "FIFO queues only (a standard queue refuses the member with InvalidParameterValue): 'If a message with a particular MessageDeduplicationId is sent successfully, any messages sent with the same MessageDeduplicationId are accepted successfully but aren't delivered during the 5-minute deduplication interval.'"),
    Entry("sqs", "SendMessageBatch", ("Entries", "[]", "MessageDeduplicationId"), "FIFO queues only, per entry: 'If a message with a particular MessageDeduplicationId is sent successfully, subsequent messages with the same MessageDeduplicationId are accepted successfully but aren't delivered.'"),
)
# fmt: on

#: Token-like members (traited or not) that are not request tokens, with the reason.
# fmt: off
NOT_TOKENS: tuple[Entry, ...] = (
    Entry("panorama", "CreatePackageImportJob", ("ClientToken",), "Required, and documented only as 'A client token for the package import job.': nothing says a repeat is recognised. Not generated (the caller always gives it), and it makes nothing resend-safe. Panorama is gone from botocore 1.44; found on older 1.43 releases."),
    *_each("eventbridgev2", ("InvokeConfiguration", "SqsParameters", "MessageDeduplicationId"), "A subscriber's target configuration ('Message deduplication ID for FIFO queues.'): what the bus sends on, not a token of this request.", "CreateSubscriber", "UpdateSubscriber"),
    *_each("eventbridgev2", ("InvokeConfiguration", "SnsParameters", "MessageDeduplicationId"), "A subscriber's target configuration ('Message deduplication ID for FIFO topics.'): what the bus sends on, not a token of this request.", "CreateSubscriber", "UpdateSubscriber"),
    *_each("eventbridgev2", ("InvokeConfiguration", "EventBusV2Parameters", "SystemMetadata", "DeduplicationId"), "A subscriber's target configuration ('Deduplication ID for FIFO deduplication on the downstream bus.'): not a token of this request.", "CreateSubscriber", "UpdateSubscriber"),
    # Traited, but documented as ignored (or undocumented): the trait promises nothing, so
    # these no longer make a call resend-safe (botocore still fills them; we add nothing).
    *_each("b2bi", ("clientToken",), "Traited, documented 'Reserved for future use.'", "CreateCapability", "CreatePartnership", "CreateProfile", "CreateTransformer", "StartTransformerJob"),
    *_each("evs", ("clientToken",), "Traited, documented: 'This parameter is not used in Amazon EVS currently. If you supply input for this parameter, it will have no effect.'", "AssociateEipToVlan", "CreateEntitlement", "CreateEnvironment", "CreateEnvironmentConnector", "CreateEnvironmentHost", "DeleteEntitlement", "DeleteEnvironment", "DeleteEnvironmentConnector", "DeleteEnvironmentHost", "DisassociateEipFromVlan", "UpdateEnvironmentConnector"),
    Entry("timestream-query", "ExecuteScheduledQuery", ("ClientToken",), "Traited, documented 'Not used.'"),
    Entry("timestream-write", "CreateBatchLoadTask", ("ClientToken",), "Traited, with no documentation at all: nothing says the service honours it."),
    *_each("agent-registry-control", ("publisherArn",), "The ARN of a publisher; its documentation mentions @idempotencyToken only in a note on how the model was generated.", "DeletePublisher", "GetPublisher", "ListPublisherAssociations", "ValidatePublisher"),
    *_each("appmonetization", ("costTracking", "roleArn"), "An IAM role's ARN; its documentation says only that a CreateApp retry with the same clientToken must carry the same role.", "CreateApp", "UpdateApp"),
    Entry("context", "CreateOntology", ("description",), "A free-text description: 'Part of the idempotency comparison on a replay.'"),
    Entry("amplifyuibuilder", "RefreshToken", ("refreshTokenBody", "token"), "An OAuth refresh token to exchange, not a request token."),
    Entry("athena", "DeleteNamedQuery", ("NamedQueryId",), "Traited, but the id of the saved query to delete."),
    Entry("athena", "StopQueryExecution", ("QueryExecutionId",), "Traited, but the id of the query execution to stop."),
    *_each("bedrock-agentcore", ("runtimeSessionId",), "Traited, but a session id: reusing it continues a session, it does not deduplicate a request.", "GetAgentCard", "InvokeAgentRuntime", "InvokeAgentRuntimeCommand"),
    Entry("chime-sdk-messaging", "ChannelFlowCallback", ("CallbackId",), "Traited, but the id the service passed to the processor to call back with."),
    Entry("cloudformation", "RecordHandlerProgress", ("ClientRequestToken",), "'Reserved for use by the CloudFormation CLI.'"),
    Entry("cloudformation", "RollbackStack", ("ClientRequestToken",), "Documented only as 'A unique identifier for this RollbackStack request.'; nothing says a repeat is recognised. Ambiguous: not generated."),
    Entry("cloudformation", "SignalResource", ("UniqueId",), "The signal's id (an instance ID for EC2 and Auto Scaling signals); what a repeated id does is not documented."),
    Entry("cloudfront", "UpdateCloudFrontOriginAccessIdentity", ("CloudFrontOriginAccessIdentityConfig", "CallerReference"), "On an update the config repeats the reference the resource was created with; it does not identify this request."),
    Entry("cloudfront", "UpdateDistribution", ("DistributionConfig", "CallerReference"), "On an update the config repeats the reference the resource was created with; it does not identify this request."),
    Entry("cloudfront", "UpdateFieldLevelEncryptionConfig", ("FieldLevelEncryptionConfig", "CallerReference"), "On an update the config repeats the reference the resource was created with; it does not identify this request."),
    Entry("cloudfront", "UpdateFieldLevelEncryptionProfile", ("FieldLevelEncryptionProfileConfig", "CallerReference"), "On an update the config repeats the reference the resource was created with; it does not identify this request."),
    Entry("cloudfront", "UpdatePublicKey", ("PublicKeyConfig", "CallerReference"), "On an update the config repeats the reference the resource was created with; it does not identify this request."),
    Entry("cloudfront", "UpdateStreamingDistribution", ("StreamingDistributionConfig", "CallerReference"), "On an update the config repeats the reference the resource was created with; it does not identify this request."),
    Entry("codebuild", "ImportSourceCredentials", ("token",), "A personal access token or password for the source provider."),
    Entry("codebuild", "StartSandbox", ("idempotencyToken",), "Named like StartBuild's token but documented only as 'A unique client token.'; nothing says a repeat is recognised. Ambiguous: not generated."),
    *_each("codepipeline", ("clientToken",), "Identifies a job partner: 'The clientToken portion of the clientId and clientToken pair used to verify that the calling entity is allowed access to the job'.", "AcknowledgeThirdPartyJob", "GetThirdPartyJobDetails", "PutThirdPartyJobFailureResult", "PutThirdPartyJobSuccessResult"),
    Entry("codepipeline", "PutApprovalResult", ("token",), "'The system-generated token used to identify a unique approval request.'"),
    Entry("codestar-notifications", "Subscribe", ("ClientRequestToken",), "Documented as 'An enumeration token that, when provided in a request, returns the next batch of the results.' (a copy of a pagination doc). Ambiguous: not generated."),
    Entry("cognito-idp", "RevokeToken", ("Token",), "'The refresh token that you want to revoke.'"),
    Entry("cognito-sync", "RegisterDevice", ("Token",), "'The push token.'"),
    *_each("datasync", ("SasConfiguration", "Token"), "An Azure SAS token (a credential).", "CreateLocationAzureBlob", "UpdateLocationAzureBlob"),
    Entry("eks-auth", "AssumeRoleForPodIdentity", ("token",), "A Kubernetes service account token (a credential)."),
    *_each("elementalinference", ("associatedResourceName",), "Traited, but the caller's name for the source media of the feed.", "AssociateFeed", "DisassociateFeed"),
    Entry("entityresolution", "GenerateMatchId", ("records", "[]", "uniqueId"), "'The unique ID of the record.': data, not a request token."),
    Entry("entityresolution", "PutPolicy", ("token",), "'A unique identifier for the current revision of the policy.': an optimistic-lock token."),
    Entry("eventbridgev2", "DeleteResourcePolicy", ("ExpectedRevisionId",), "An optimistic-lock revision: 'Supplying this value makes the delete non-idempotent'."),
    Entry("eventbridgev2", "PutResourcePolicy", ("ExpectedRevisionId",), "An optimistic-lock revision: 'retrying an unanswered request can conflict with the caller's own earlier attempt'."),
    Entry("gamelift", "CreateGameSession", ("GameSessionId",), "Deprecated ('Use IdempotencyToken instead.'); becomes part of the game session ID."),
    Entry("glue", "BatchPutDataQualityStatisticAnnotation", ("ClientToken",), "Documented only as 'Client Token.'. Ambiguous: not generated."),
    *_each("greengrass", ("AmznClientToken",), "Documented only as 'A client token used to correlate requests and responses.'; nothing says a repeat is recognised. Ambiguous: not generated.", "CreateConnectorDefinition", "CreateConnectorDefinitionVersion", "CreateCoreDefinition", "CreateCoreDefinitionVersion", "CreateDeviceDefinition", "CreateDeviceDefinitionVersion", "CreateFunctionDefinition", "CreateFunctionDefinitionVersion", "CreateGroup", "CreateGroupCertificateAuthority", "CreateGroupVersion", "CreateLoggerDefinition", "CreateLoggerDefinitionVersion", "CreateResourceDefinition", "CreateResourceDefinitionVersion", "CreateSoftwareUpdateJob", "CreateSubscriptionDefinition", "CreateSubscriptionDefinitionVersion", "ResetDeployments"),
    *_each("iot", ("topicRulePayload", "actions", "[]", "salesforce", "token"), "A Salesforce credential in a rule action.", "CreateTopicRule", "ReplaceTopicRule"),
    *_each("iot", ("topicRulePayload", "errorAction", "salesforce", "token"), "A Salesforce credential in a rule action.", "CreateTopicRule", "ReplaceTopicRule"),
    Entry("iot", "TestInvokeAuthorizer", ("token",), "'The token returned by your custom authentication service.'"),
    Entry("kendra", "GetQuerySuggestions", ("AttributeSuggestionsConfig", "UserContext", "Token"), "'The user context token for filtering search results for a user.'"),
    *_each("kendra", ("UserContext", "Token"), "'The user context token for filtering search results for a user.'", "Query", "Retrieve"),
    Entry("license-manager", "GetAccessToken", ("Token",), "'Refresh token, encoded as a JWT token.'"),
    *_each("medialive", ("EncoderSettings", "OutputGroups", "[]", "OutputGroupSettings", "HlsGroupSettings", "HlsCdnSettings", "HlsAkamaiSettings", "Token"), "'Token parameter for authenticated akamai.': a CDN credential.", "CreateChannel", "UpdateChannel"),
    Entry("meteringmarketplace", "MeterUsage", ("UsageQuantityAsDecimal",), "A quantity; the sentence is about comparing quantities of retried requests."),
    Entry("neptunedata", "ExecuteFastReset", ("token",), "'The fast-reset token to initiate the reset.': obtained from a previous call."),
    *_each("pipes", ("TargetParameters", "SqsQueueParameters", "MessageDeduplicationId"), "Configuration: the deduplication id the pipe sends to an SQS FIFO target.", "CreatePipe", "UpdatePipe"),
    Entry("rds", "StartDBInstance", ("DBCapacityReservationIdentifier",), "A capacity reservation's identifier; the sentence says to retry later."),
    Entry("rekognition", "CreateStreamProcessor", ("Name",), "The stream processor's name ('Name is idempotent' refers to the name being unique), not a request token."),
    Entry("rekognition", "GetFaceLivenessSessionResults", ("SessionId",), "Identifies an existing session to read."),
    *_each("s3", ("Token",), "'A token to allow Object Lock to be enabled for an existing bucket.'", "PutBucketReplication", "PutObjectLockConfiguration"),
    Entry("schemas", "UpdateSchema", ("ClientTokenId",), "Traited, but documented only as 'The ID of the client token.'. Ambiguous: it does not make UpdateSchema resend-safe."),
    Entry("securityhub", "BatchImportFindings", ("Findings", "[]", "Resources", "[]", "Details", "AwsEfsAccessPoint", "ClientToken"), "Finding data describing an EFS access point, not a token of this request."),
    Entry("serverlessrepo", "CreateCloudFormationChangeSet", ("ClientToken",), "Passed on to CloudFormation CreateChangeSet; whether a repeat of this call is recognised is not documented. Ambiguous: not generated."),
    *_each("signin", ("token",), "An OAuth access or refresh token (a credential).", "IntrospectOAuth2TokenWithIAM", "RevokeOAuth2TokenWithIAM"),
    Entry("sns", "ConfirmSubscription", ("Token",), "'Short-lived token sent to an endpoint during the Subscribe action.'"),
    Entry("sns", "CreatePlatformEndpoint", ("Token",), "A device token from the push notification service."),
    Entry("ssm-incidents", "CreateResponsePlan", ("incidentTemplate", "dedupeString"), "Configuration: the string that deduplicates incidents, not requests."),
    Entry("ssm-incidents", "UpdateResponsePlan", ("incidentTemplateDedupeString",), "Configuration: the string that deduplicates incidents, not requests."),
    Entry("transfer", "SendWorkflowStepState", ("Token",), "'Used to distinguish between multiple callbacks for multiple Lambda steps': a callback token."),
    Entry("workspaces", "RejectAccountLinkInvitation", ("ClientToken",), "Documented as 'The client token of the account link invitation to reject.', unlike the other invitation calls. Ambiguous: not generated."),
)
# fmt: on

#: Documented constraints the model does not state, on token members of any class.
#: Columns: service, operation, path, min_length, max_length, pattern, sentence.
# fmt: off
DOCUMENTED_LIMITS: tuple[Limit, ...] = (
    Limit("partnercentral-selling", "CreateEngagement", ("ClientToken",), None, 64, None, "The value must not exceed sixty-four alphanumeric characters."),
    Limit("partnercentral-selling", "CreateEngagementContext", ("ClientToken",), None, 64, None, "This token helps prevent duplicate context creations and must not exceed sixty-four alphanumeric characters."),
    Limit("s3", "RenameObject", ("ClientToken",), None, 64, "[\\x21-\\x7e]+", "A unique string with a max of 64 ASCII characters in the ASCII range of 33 - 126."),
    Limit("appmesh", "CreateGatewayRoute", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "CreateMesh", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "CreateRoute", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "CreateVirtualGateway", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "CreateVirtualNode", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "CreateVirtualRouter", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "CreateVirtualService", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateGatewayRoute", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateMesh", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateRoute", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateVirtualGateway", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateVirtualNode", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateVirtualRouter", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("appmesh", "UpdateVirtualService", ("clientToken",), None, 36, "[A-Za-z0-9_-]+", "Up to 36 letters, numbers, hyphens, and underscores are allowed."),
    Limit("backup", "CreateBackupPlan", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateBackupSelection", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateBackupVault", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateLocalBackupVault", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateLogicallyAirGappedBackupVault", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateRestoreTestingPlan", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateRestoreTestingSelection", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("backup", "CreateTieringConfiguration", ("CreatorRequestId",), 1, 50, "[A-Za-z0-9._-]+", "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters."),
    Limit("compute-optimizer-automation", "RollbackAutomationEvent", ("clientToken",), 1, 64, None, "Must be 1-64 characters long and contain only alphanumeric characters, underscores, and hyphens."),
    Limit("compute-optimizer-automation", "StartAutomationEvent", ("clientToken",), 1, 64, None, "Must be 1-64 characters long and contain only alphanumeric characters, underscores, and hyphens."),
    Limit("compute-optimizer-automation", "TagResource", ("clientToken",), 1, 64, None, "Must be 1-64 characters long and contain only alphanumeric characters, underscores, and hyphens."),
    Limit("compute-optimizer-automation", "UntagResource", ("clientToken",), 1, 64, None, "Must be 1-64 characters long and contain only alphanumeric characters, underscores, and hyphens."),
    Limit("compute-optimizer-automation", "UpdateAutomationRule", ("clientToken",), 1, 64, None, "Must be 1-64 characters long and contain only alphanumeric characters, underscores, and hyphens."),
    Limit("compute-optimizer-automation", "UpdateEnrollmentConfiguration", ("clientToken",), 1, 64, None, "Must be 1-64 characters long and contain only alphanumeric characters, underscores, and hyphens."),
    Limit("config", "StartResourceEvaluation", ("ClientToken",), None, 64, None, "A client token is a unique, case-sensitive string of up to 64 ASCII characters."),
    Limit("ec2", "CreateLaunchTemplate", ("ClientToken",), None, 128, None, "Constraint: Maximum 128 ASCII characters."),
    Limit("ec2", "CreateLaunchTemplateVersion", ("ClientToken",), None, 128, None, "Constraint: Maximum 128 ASCII characters."),
    Limit("ec2", "CreateManagedPrefixList", ("ClientToken",), None, 255, None, "Constraints: Up to 255 UTF-8 characters in length."),
    Limit("ec2", "CreateNatGateway", ("ClientToken",), None, 64, None, "Constraint: Maximum 64 ASCII characters."),
    Limit("ec2", "ModifyLaunchTemplate", ("ClientToken",), None, 128, None, "Constraint: Maximum 128 ASCII characters."),
    Limit("ec2", "RunInstances", ("ClientToken",), None, 64, None, "Constraints: Maximum 64 ASCII characters"),
    Limit("ecs", "CreateDaemon", ("clientToken",), None, 36, "[\\x21-\\x7e]+", "Up to 36 ASCII characters in the range of 33-126 (inclusive) are allowed."),
    Limit("ecs", "CreateService", ("clientToken",), None, 36, "[\\x21-\\x7e]+", "Up to 36 ASCII characters in the range of 33-126 (inclusive) are allowed."),
    Limit("ecs", "CreateTaskSet", ("clientToken",), None, 36, "[\\x21-\\x7e]+", "Up to 36 ASCII characters in the range of 33-126 (inclusive) are allowed."),
    Limit("ecs", "RunTask", ("clientToken",), None, 64, "[\\x21-\\x7e]+", "Up to 64 characters are allowed. The valid characters are characters in the range of 33-126, inclusive."),
    Limit("internetmonitor", "CreateMonitor", ("ClientToken",), None, 64, None, "A unique, case-sensitive string of up to 64 ASCII characters that you specify to make an idempotent API request."),
    Limit("internetmonitor", "UpdateMonitor", ("ClientToken",), None, 64, None, "A unique, case-sensitive string of up to 64 ASCII characters that you specify to make an idempotent API request."),
    Limit("mediaconvert", "CreateJob", ("ClientRequestToken",), None, 64, None, "A client request token can be any string that includes up to 64 ASCII characters."),
    Limit("sns", "Publish", ("MessageDeduplicationId",), None, 128, "[!-~]+", 'The MessageDeduplicationId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation (!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~) .'),
    Limit("sns", "PublishBatch", ("PublishBatchRequestEntries", "[]", "MessageDeduplicationId"), None, 128, "[!-~]+", 'The MessageDeduplicationId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation (!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~) .'),
    Limit("sqs", "ReceiveMessage", ("ReceiveRequestAttemptId",), None, 128, "[!-~]+", 'The maximum length of ReceiveRequestAttemptId is 128 characters. ReceiveRequestAttemptId can contain alphanumeric characters ( a-z , A-Z , 0-9 ) and punctuation ( !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ).'),
    Limit("sqs", "SendMessage", ("MessageDeduplicationId",), None, 128, "[!-~]+", 'The maximum length of MessageDeduplicationId is 128 characters. MessageDeduplicationId can contain alphanumeric characters ( a-z , A-Z , 0-9 ) and punctuation ( !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ).'),
    Limit("sqs", "SendMessageBatch", ("Entries", "[]", "MessageDeduplicationId"), None, 128, "[!-~]+", 'The length of MessageDeduplicationId is 128 characters. MessageDeduplicationId can contain alphanumeric characters ( a-z , A-Z , 0-9 ) and punctuation ( !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ).'),
    Limit("timestream-query", "Query", ("ClientToken",), None, 64, None, "Unique, case-sensitive string of up to 64 ASCII characters specified when a Query request is made."),
    Limit("workspaces", "AcceptAccountLinkInvitation", ("ClientToken",), None, 64, None, "A string of up to 64 ASCII characters that Amazon WorkSpaces uses to ensure idempotent creation."),
    Limit("workspaces", "CreateAccountLinkInvitation", ("ClientToken",), None, 64, None, "A string of up to 64 ASCII characters that Amazon WorkSpaces uses to ensure idempotent creation."),
    Limit("workspaces", "DeleteAccountLinkInvitation", ("ClientToken",), None, 64, None, "A string of up to 64 ASCII characters that Amazon WorkSpaces uses to ensure idempotent creation."),
)
# fmt: on

_CFN_ERROR = (
    "TokenAlreadyExistsException is documented only as 'A client request token already "
    "exists.'; no AWS document says whether an identical retry gets it"
)
_CF_DISTRIBUTION = (
    "If CallerReference is a value that you already sent in a previous request to create a "
    "distribution, CloudFront returns a DistributionAlreadyExists error."
)
_CF_INVALIDATION = (
    "If you make a second invalidation request with the same value for CallerReference, and "
    "if the rest of the request is the same, CloudFront doesn't create a new invalidation "
    "request. Instead, CloudFront returns information about the invalidation request that you "
    "previously created with the same CallerReference."
)
_MTURK_HIT = (
    "If the HIT already exists in the system from a previous call using the same "
    "UniqueRequestToken, subsequent calls will return a AWS.MechanicalTurk.HitAlreadyExists "
    "error with a message containing the HITId."
)
_NONE: frozenset[str] = frozenset()


def _cfn(operation: str, verb: str) -> Repeat:
    return Repeat(
        "cloudformation",
        operation,
        UNCLEAR,
        frozenset({"TokenAlreadyExistsException"}),
        None,
        f"'Specify this token if you plan to retry requests so that CloudFormation knows that "
        f"you're not attempting to {verb} with the same name. You might retry {operation} "
        f"requests to ensure that CloudFormation successfully received them.' {_CFN_ERROR}.",
    )


def _replay(service: str, sentence: str, *operations: str) -> tuple[Repeat, ...]:
    return tuple(Repeat(service, op, REPLAY, _NONE, None, sentence) for op in operations)


#: (service, operation) -> what a repeated token or reference gets. Absent: replay.
REPEAT_BEHAVIOUR: tuple[Repeat, ...] = (
    # Route 53: some creates answer a repeated CallerReference with an error.
    Repeat(
        "route53",
        "CreateHostedZone",
        CONFLICT,
        frozenset({"HostedZoneAlreadyExists"}),
        None,
        "HostedZoneAlreadyExists: 'Amazon Route 53 returns this error when a hosted zone has "
        "already been created with the specified CallerReference.'",
    ),
    Repeat(
        "route53",
        "CreateReusableDelegationSet",
        CONFLICT,
        frozenset({"DelegationSetAlreadyCreated"}),
        None,
        "DelegationSetAlreadyCreated: 'A delegation set with the same owner and caller "
        "reference combination has already been created.'",
    ),
    Repeat(
        "route53",
        "CreateKeySigningKey",
        UNCLEAR,
        frozenset({"KeySigningKeyAlreadyExists"}),
        None,
        "KeySigningKeyAlreadyExists: 'You've already created a key-signing key (KSK) with "
        "this name or with the same customer managed key ARN.' (a repeat carries the same "
        "name; the CallerReference is documented only as 'A unique string that identifies "
        "the request.') Not tied: the same name or key of another request gets it too.",
        tied=False,
    ),
    *_replay(
        "route53",
        "If you send a CreateHealthCheck request with the same CallerReference and settings as "
        "a previous request, and if the health check doesn't exist, Amazon Route 53 creates the "
        "health check. If the health check does exist, Route 53 returns the health check "
        "configuration in the response. (HealthCheckAlreadyExists: different settings, or a "
        "deleted health check's reference.)",
        "CreateHealthCheck",
    ),
    *_replay(
        "route53",
        "A client-specific token that allows requests to be securely retried so that the "
        "intended outcome will only occur once, retries receive a similar response, and there "
        "are no additional edge cases to handle. (CidrCollectionAlreadyExistsException: 'A "
        "CIDR collection with this name and a different caller reference already exists'.)",
        "CreateCidrCollection",
    ),
    # CloudFront: read operation by operation; some replay, some refuse.
    Repeat(
        "cloudfront",
        "CreateDistribution",
        CONFLICT,
        frozenset({"DistributionAlreadyExists"}),
        None,
        _CF_DISTRIBUTION,
    ),
    Repeat(
        "cloudfront",
        "CreateDistributionWithTags",
        CONFLICT,
        frozenset({"DistributionAlreadyExists"}),
        None,
        _CF_DISTRIBUTION,
    ),
    Repeat(
        "cloudfront",
        "CopyDistribution",
        UNCLEAR,
        frozenset({"DistributionAlreadyExists"}),
        None,
        "'This helps to prevent CloudFront from creating a duplicate resource if you "
        "accidentally resubmit an identical request.' DistributionAlreadyExists: 'The caller "
        "reference you attempted to create the distribution with is associated with another "
        "distribution.'",
    ),
    *(
        Repeat(
            "cloudfront",
            operation,
            CONFLICT,
            frozenset({"StreamingDistributionAlreadyExists", "DistributionAlreadyExists"}),
            None,
            f"{_CF_DISTRIBUTION} StreamingDistributionAlreadyExists (the operation's modeled "
            "error): 'The caller reference you attempted to create the streaming distribution "
            "with is associated with another distribution'.",
        )
        for operation in ("CreateStreamingDistribution", "CreateStreamingDistributionWithTags")
    ),
    *_replay(
        "cloudfront",
        "If the CallerReference is a value already sent in a previous identity request, and the "
        "content of the CloudFrontOriginAccessIdentityConfig is identical to the original "
        "request (ignoring white space), the response includes the same information returned "
        "to the original request.",
        "CreateCloudFrontOriginAccessIdentity",
    ),
    *_replay(
        "cloudfront",
        _CF_INVALIDATION,
        "CreateInvalidation",
        "CreateInvalidationForDistributionTenant",
    ),
    *(
        Repeat(
            "cloudfront",
            operation,
            CONFLICT,
            frozenset({code}),
            None,
            f"CallerReference: '{reference}' {code}: '{error}' (the code is inferred: the "
            "documentation does not name the error a repeated reference gets).",
            tied=False,
        )
        for operation, code, reference, error in (
            (
                "CreateFieldLevelEncryptionConfig",
                "FieldLevelEncryptionConfigAlreadyExists",
                "A unique number that ensures the request can't be replayed.",
                "The specified configuration for field-level encryption already exists.",
            ),
            (
                "CreateFieldLevelEncryptionProfile",
                "FieldLevelEncryptionProfileAlreadyExists",
                "A unique number that ensures that the request can't be replayed.",
                "The specified profile for field-level encryption already exists.",
            ),
            (
                "CreatePublicKey",
                "PublicKeyAlreadyExists",
                (
                    "A string included in the request to help make sure that the request "
                    "can't be replayed."
                ),
                "The specified public key already exists.",
            ),
        )
    ),
    # CloudFormation: the token is documented for retries; its error is not explained.
    _cfn("CreateStack", "create a stack"),
    _cfn("UpdateStack", "update a stack"),
    _cfn("DeleteStack", "delete a stack"),
    _cfn("CancelUpdateStack", "cancel an update on a stack"),
    _cfn("ContinueUpdateRollback", "continue the rollback to a stack"),
    _cfn("ExecuteChangeSet", "execute a change set to update a stack"),
    # MTurk: generated tokens, but a repeat is answered with an error.
    Repeat(
        "mturk",
        "CreateHIT",
        CONFLICT,
        frozenset({"RequestError"}),
        "AWS.MechanicalTurk.HitAlreadyExists",
        _MTURK_HIT,
    ),
    Repeat(
        "mturk",
        "CreateHITWithHITType",
        CONFLICT,
        frozenset({"RequestError"}),
        "AWS.MechanicalTurk.HitAlreadyExists",
        _MTURK_HIT,
    ),
    Repeat(
        "mturk",
        "SendBonus",
        CONFLICT,
        _NONE,
        None,
        "If the bonus already exists in the system from a previous call using the same "
        "UniqueRequestToken, subsequent calls will return an error with a message containing "
        "the request ID. (No error code named.)",
    ),
    Repeat(
        "mturk",
        "CreateAdditionalAssignmentsForHIT",
        CONFLICT,
        _NONE,
        None,
        "If the extend HIT already exists in the system from a previous call using the same "
        "UniqueRequestToken, subsequent calls will return an error with a message containing "
        "the request ID. (No error code named.)",
    ),
    # The other caller references: replay.
    *_replay(
        "acm-pca",
        "If this token matches a previous request, Amazon Web Services Private CA returns the "
        "same replica instead of creating another one.",
        "BatchCreateCertificateAuthorityReplica",
    ),
    Repeat(
        "appmonetization",
        "PutCustomCharges",
        CONFLICT,
        frozenset({"ConflictException"}),
        None,
        "'re-submitting the same chargeId within its assigned period upserts the charge in place ... re-submitting it after that period rolls over is refused (ConflictException) rather than billing it again.' ConflictException is modeled for other conflicts too.",
        tied=False,
    ),
    *_replay(
        "datapipeline",
        "CreatePipeline ensures that if a pipeline already exists with the same name and unique "
        "identifier, a new pipeline is not created. Instead, you'll receive the pipeline "
        "identifier from the previous attempt.",
        "CreatePipeline",
    ),
    *_replay(
        "kms",
        "When this value is present, you can retry a CreateGrant request with identical "
        "parameters; if the grant already exists, the original GrantId is returned without "
        "creating a new grant.",
        "CreateGrant",
    ),
    *_replay(
        "chime-sdk-meetings",
        "The Amazon Chime SDK external user ID. An idempotency token.",
        "BatchCreateAttendee",
        "CreateAttendee",
        "CreateMeetingWithAttendees",
    ),
    *_replay(
        "config",
        "If you retry a request that completed successfully using the same client token and "
        "the same parameters, the retry succeeds without performing any further actions.",
        "StartResourceEvaluation",
    ),
    *_replay(
        "connectcampaigns",
        "Client provided parameter used for idempotency.",
        "PutDialRequestBatch",
    ),
    *_replay(
        "connectcampaignsv2",
        "Client provided parameter used for idempotency.",
        "PutOutboundRequestBatch",
        "PutProfileOutboundRequestBatch",
    ),
    *_replay(
        "marketplace-agreement",
        "A unique, case-sensitive identifier that you provide to ensure the idempotency of the "
        "request.",
        "BatchCreateBillingAdjustmentRequest",
    ),
    *_replay(
        "route53globalresolver",
        "A unique string that identifies the request and ensures idempotency.",
        "BatchCreateFirewallRule",
    ),
    *_replay(
        "route53resolver",
        "A unique string that identifies the request and that allows you to retry failed "
        "requests without the risk of running the operation twice.",
        "BatchCreateFirewallRule",
    ),
    *_replay(
        "sqs",
        "If a message with a particular MessageDeduplicationId is sent successfully, any "
        "messages sent with the same MessageDeduplicationId are accepted successfully but "
        "aren't delivered during the 5-minute deduplication interval.",
        "SendMessage",
        "SendMessageBatch",
    ),
    *_replay(
        "sqs",
        "During a visibility timeout, subsequent calls with the same ReceiveRequestAttemptId "
        "return the same messages and receipt handles.",
        "ReceiveMessage",
    ),
    # Repeats answered with an error the documentation does not tie to this request alone
    # (a name or id clash gets it too): the service's own error, never read as our success.
    *(
        Repeat(
            "ssm",
            operation,
            UNCLEAR,
            frozenset(),
            None,
            "'The token must be unique, is case insensitive, enforces the UUID format, and can't be reused.' What a reused token gets is not documented.",
            tied=False,
        )
        for operation in ("StartAutomationExecution", "StartChangeRequestExecution")
    ),
    *(
        Repeat(
            "iot",
            operation,
            CONFLICT,
            frozenset({code}),
            None,
            f"'If you try to create a new {thing} with the same token as {what} that already exists, an exception occurs.' The exception is not named; {code} (modeled) also answers a name clash.",
            tied=False,
        )
        for operation, code, thing, what in (
            ("CreateDimension", "ResourceAlreadyExistsException", "dimension", "a dimension"),
            (
                "CreateAuditSuppression",
                "ResourceAlreadyExistsException",
                "audit suppression",
                "one",
            ),
            ("StartAuditMitigationActionsTask", "TaskAlreadyExistsException", "task", "a task"),
            ("StartDetectMitigationActionsTask", "TaskAlreadyExistsException", "task", "a task"),
        )
    ),
    Repeat(
        "opensearchmemory",
        "CreateEvent",
        UNCLEAR,
        frozenset({"ConflictException"}),
        None,
        "'Within 2 hours of the first request, a retry with the same token and the same request, including the same sessionId, returns the same event. If you omit sessionId, the service generates a new one on each attempt, so a retry fails with ConflictException.'",
        tied=False,
    ),
    Repeat(
        "opensearchmemory",
        "CreateSpace",
        UNCLEAR,
        frozenset({"ConflictException"}),
        None,
        "'A retry with the same token and the same parameters within 2 hours returns the space that the first request created, instead of creating another. Reusing the token with different parameters, or while the first request is still in progress, fails with ConflictException.'",
        tied=False,
    ),
    Repeat(
        "partnercentral-selling",
        "CreateOpportunity",
        UNCLEAR,
        frozenset({"ConflictException"}),
        "Conflicting client token",
        "'If you use the same client token, the API returns the following error: \"Conflicting client token submitted for a new request body.\"' (for a new body; an identical repeat is not described)",
        tied=False,
    ),
    *_replay(
        "lambda",
        "If you invoke a durable function using a name that already exists with the same "
        "payload, Lambda returns the existing execution instead of creating a duplicate. (A "
        "different payload: DurableExecutionAlreadyStartedException.)",
        "Invoke",
    ),
    *(
        Repeat(
            "eventbridgev2",
            operation,
            UNCLEAR,
            frozenset(),
            None,
            "'Deduplication ID for FIFO deduplication.' What a repeated id gets is not "
            "documented (SQS FIFO accepts a duplicate and does not deliver it again).",
        )
        for operation in ("PutEvents", "PutRawEvents")
    ),
    *_replay(
        "sns",
        "If a message with a particular MessageDeduplicationId is sent successfully, subsequent "
        "messages within the deduplication scope and interval, with the same "
        "MessageDeduplicationId, are accepted successfully but aren't delivered.",
        "Publish",
        "PublishBatch",
    ),
)


#: A generated member, and a member of the same role the caller may give instead (a
#: deprecated one): when it is given, nothing is generated and the call counts as
#: protected by it. GameLift: "IdempotencyToken ... is included in the new game
#: session's ID"; GameSessionId is deprecated ("Use IdempotencyToken instead.") and
#: also becomes part of the ID: generating a token beside it would change the ID.
SAME_ROLE: dict[tuple[str, str, Path], str] = {
    ("gamelift", "CreateGameSession", ("IdempotencyToken",)): "GameSessionId",
}


class DerivedName(NamedTuple):
    """A name AWS deduplicates a request by, which the caller may leave out.

    Inside a key scope (``idempotency_key``, ``idempotent_handler``) a call that leaves
    it out gets one derived from the key, as a generated token is (opaque: no key can
    be read from it), so a re-run sends the first run's name and AWS answers it with
    the first run's work. Never outside a key scope (AWS's own random name is as good
    there), never over a caller's value. A call carrying the name, derived or given,
    is protected *on a re-run*; whether it may be resent after a lost answer is still
    its operation's class (a Step Functions EXPRESS workflow runs a repeated name again,
    and the request does not say which kind of workflow it starts).

    Attributes:
        conflicts: Error codes a repeat of the name may be answered with instead of the
            first answer (Step Functions ``ExecutionAlreadyExists`` once the execution
            closed, or for other input): on a derived name, raised as
            ``EarlierAttemptMayHaveActed`` (and the service's class).
        evidence: The documentation it is judged by, quoted.
    """

    service: str
    operation: str
    path: Path
    conflicts: frozenset[str]
    evidence: str


#: Names derived inside a key scope when the caller leaves them out (see ``DerivedName``).
# fmt: off
DERIVED_NAMES: tuple[DerivedName, ...] = (
    DerivedName("stepfunctions", "StartExecution", ("name",), frozenset({"ExecutionAlreadyExists"}), "'StartExecution is idempotent for STANDARD workflows. For a STANDARD workflow, if you call StartExecution with the same name and input as a running execution, the call succeeds and return the same response as the original request. If the execution is closed or if the input is different, it returns a 400 ExecutionAlreadyExists error.' 'If you don't provide a name for the execution, Step Functions automatically generates a universally unique identifier (UUID)'; 1 to 80 characters: a UUID fits. EXPRESS workflows: 'execution names can be reused immediately' (not protected; documented)."),
    DerivedName("kms", "CreateGrant", ("Name",), frozenset(), "'When this value is absent, all CreateGrant requests result in a new grant with a unique GrantId even if all the supplied parameters are identical ... When this value is present, you can retry a CreateGrant request with identical parameters; if the grant already exists, the original GrantId is returned without creating a new grant.' 'Do not include confidential or sensitive information in this field': a derived name is a UUID, opaque. Pattern ^[a-zA-Z0-9:/_-]+$, 1 to 256: a UUID fits."),
)

#: Names reviewed for ``DERIVED_NAMES`` and left out, each with why (docs: how-it-works).
NOT_DERIVED: tuple[Entry, ...] = (
    Entry("stepfunctions", "StartSyncExecution", ("name",), "EXPRESS workflows only ('StartSyncExecution is not available for STANDARD workflows'); 'For EXPRESS workflows, execution names can be reused immediately' and the model names no ExecutionAlreadyExists: a repeated name starts a second execution."),
    Entry("lambda", "Invoke", ("DurableExecutionName",), "'If you invoke a durable function using a name that already exists with the same payload, Lambda returns the existing execution': durable functions only, and neither the model nor the guide says what a plain function does with the header; a request cannot tell which kind of function it invokes. Not derived until that is documented."),
    Entry("sqs", "SendMessage", ("MessageDeduplicationId",), "FIFO queues only ('a standard queue refuses the member with InvalidParameterValue'); with content-based deduplication AWS hashes the body, and a derived id would deliver two equal bodies the caller meant as one. Deduplicated for five minutes only."),
    Entry("sqs", "SendMessageBatch", ("Entries", "[]", "MessageDeduplicationId"), "As SendMessage, per entry: FIFO queues only, five minutes."),
    Entry("sns", "Publish", ("MessageDeduplicationId",), "FIFO topics only; content-based deduplication hashes the body; five minutes."),
    Entry("sns", "PublishBatch", ("PublishBatchRequestEntries", "[]", "MessageDeduplicationId"), "As Publish, per entry."),
)
# fmt: on


def derived_names(service: str, operation: str) -> tuple[DerivedName, ...]:
    """The names derived inside a key scope for one operation."""
    return tuple(d for d in DERIVED_NAMES if (d.service, d.operation) == (service, operation))


@cache
def _classes() -> dict[tuple[str, str, Path], str]:
    found: dict[tuple[str, str, Path], str] = {}
    for name, entries in (
        ("GENERATED", GENERATED),
        ("CALLER_REFERENCES", CALLER_REFERENCES),
        ("NOT_TOKENS", NOT_TOKENS),
    ):
        for entry in entries:
            found[entry.service, entry.operation, entry.path] = name
    return found


@cache
def _paths(kind: str) -> dict[tuple[str, str], tuple[Path, ...]]:
    entries = GENERATED if kind == "GENERATED" else CALLER_REFERENCES
    found: dict[tuple[str, str], tuple[Path, ...]] = {}
    for entry in entries:
        key = (entry.service, entry.operation)
        found[key] = (*found.get(key, ()), entry.path)
    return found


@cache
def _limits() -> dict[tuple[str, str, Path], Limit]:
    return {(limit.service, limit.operation, limit.path): limit for limit in DOCUMENTED_LIMITS}


@cache
def _repeats() -> dict[tuple[str, str], Repeat]:
    return {(repeat.service, repeat.operation): repeat for repeat in REPEAT_BEHAVIOUR}


def classify(service: str, operation: str, path: Path) -> str | None:
    """The class of a member: ``"GENERATED"``, ``"CALLER_REFERENCES"``, ``"NOT_TOKENS"``.

    ``None`` for a member that is in no class (traited tokens, and anything the
    table has not reviewed).
    """
    return _classes().get((service, operation, path))


def generated(service: str, operation: str) -> tuple[Path, ...]:
    """Paths of the members the library fills with a generated token when absent."""
    return _paths("GENERATED").get((service, operation), ())


def caller_references(service: str, operation: str) -> tuple[Path, ...]:
    """Paths of the caller's references: never generated; present, they make a resend safe."""
    return _paths("CALLER_REFERENCES").get((service, operation), ())


def is_not_token(service: str, operation: str, path: Path) -> bool:
    """Whether a member (traited or not) was reviewed and is not a request token."""
    return classify(service, operation, path) == "NOT_TOKENS"


def documented_limit(service: str, operation: str, path: Path) -> Limit | None:
    """The documented constraint on a token member that its model does not state."""
    return _limits().get((service, operation, path))


def repeat_behaviour(service: str, operation: str) -> Repeat | None:
    """What the service documents for a repeated token; ``None`` means replay."""
    return _repeats().get((service, operation))


def repeat_conflicts(service: str, operation: str) -> frozenset[str]:
    """Error codes documented to answer a repeat of *this* token or reference.

    Seen on a *retried* attempt after an ambiguous failure, they mean that the
    first attempt most likely went through. Check ``Repeat.marker`` too where
    it is set. Codes not tied to the reference (``Repeat.tied``) are left out.
    """
    repeat = repeat_behaviour(service, operation)
    return repeat.codes if repeat is not None and repeat.tied else frozenset()
