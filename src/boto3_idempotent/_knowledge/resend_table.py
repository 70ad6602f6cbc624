"""The reviewed classification of every operation's resend safety when it carries no token.

Data only, for review and for ``tools/write_knowledge.py``, which distils it into
``_knowledge/knowledge.txt``, what a client's first call reads (one service at a time). Never
imported on a call's path: plain dicts, tuples and strings; no botocore.

A call that carries its client token or caller reference is *protected* (see
``_knowledge/token_table``): the service replays its first answer, so it is resent. Every
other call is one of two classes:

IDEMPOTENT
    Sending it twice leaves the same end state as sending it once: a read, a
    computation that keeps no state, a delete, a put of a whole value, an update
    that sets values, tag/untag, attach/detach, enable/disable, stop, cancel, ...
    It is resent after an ambiguous failure (5xx, lost response), as bare botocore
    resends it. A resend may be *answered* differently (a delete: "not found"; a
    put without overwrite: "already exists"): the end state is the same, and the
    call's ``call_info`` says that an earlier attempt may have acted.
UNSAFE
    A second request may act a second time: create one more resource, start one
    more job, send one more message, add to a counter, append to a stream. It is
    not resent after an ambiguous failure (``stop_reason`` ``unsafe_to_resend``).

The criterion every entry applies: a resend *acts twice* when it can leave a second
thing that costs money, runs or sends something, grants access, or is visible to
others (a resource, a version, a deployment, a message or mail, a notification, a
credential, a payment, a step in an agent's memory). A resend that can only leave an
empty, free, unreferenced thing that expires or is cleaned up (an empty session, an
empty multipart upload id) does not act twice. A second answer that differs ("not
found", "already exists") is not a second act.

How an operation gets its class, first match wins (``_knowledge/resend.operation_class``):

1. ``OPERATIONS``: a reviewed entry for this operation, with its reason
   (append-style ``Put*`` operations are unsafe whatever their verb). Most come from
   the evidence review (``_knowledge/resend_evidence``, made with ``tools/scan_evidence.py``):
   creates keyed by a unique name the caller gives (a second request is answered
   "already exists"), starts and stops of the one thing a request names, reads under
   acting verbs, each with its evidence quoted; and operations AWS's Smithy models
   call ``@idempotent`` that can act twice all the same.
2. ``PER_CALL``: the request decides (DynamoDB ``UpdateItem``: an ``ADD`` of a
   number or ``SET a = a + :n`` is unsafe, ``SET a = :v`` is not; ECS
   ``UpdateService`` with ``forceNewDeployment`` is unsafe); see ``_knowledge/refine``.
   Most are data, ``REQUEST_CONDITIONS`` (``_knowledge/resend_evidence``): an optional
   unique name given (Redshift ``CreateSnapshotSchedule`` with ``ScheduleIdentifier``: a
   second request is answered "already exists"), a flag that only previews; each with the
   codes a repeat is refused with and its quote.
3. The HTTP method, for the REST protocols (``rest-json``, ``rest-xml``): RFC 9110
   makes PUT and DELETE idempotent (and GET, HEAD safe), for verbs the table files
   as idempotent or does not know. It never decides alone for a verb that acts: a
   verb that acts whatever the method (``ACTS_WHATEVER_THE_METHOD``: a PUT that
   starts or sends) stays unsafe, and a creating verb (``Create``, ``Register``,
   ``Import``, ``Upload``, ...) is idempotent only when the URI ends in the label of
   the thing it makes (``PUT /{Bucket}`` for ``CreateBucket``): a PUT to a
   collection (``PUT /v1/accessTokens``) or under a parent's id makes a second thing.
4. ``VERBS``: the operation name's leading verb (the longest prefix in the table
   at a word boundary: ``BatchGet`` before ``Batch``), each with its class and
   reason.
5. Unknown verb: unsafe (a conservative default; the test of this table fails on
   any operation of the installed botocore that reaches it, so a new verb is
   reviewed before it ships).

Operations newer than the review (``_knowledge/review``): on a botocore newer than
``_knowledge/review.REVIEWED_WITH``, an operation the review never saw skips steps 3 to 5: it
is idempotent only when its verb is in ``READ_VERBS`` or its method is GET or HEAD,
and unsafe otherwise, until a review reaches it.

After a botocore upgrade
------------------------
Run ``python tools/scan_resend.py --unreviewed``: it prints the operations whose verb is
in no table, and the operations newer than the review. Add a verb to ``VERBS`` (or an
operation to ``OPERATIONS``) with its reason; read each new unsafe operation with
``python tools/scan_evidence.py --unreviewed`` and record the decision
(``tools/data/resend_review.json``, ``_knowledge/resend_evidence``); when the token scan
is clean too, write the knowledge file (``tools/write_knowledge.py``) and the manifest
(``tools/write_manifest.py``) and raise ``REVIEWED_WITH`` in ``_knowledge/review.py``.
``tests/knowledge/test_resend_table.py`` is strict on the reviewed release (CI installs
it in a step of its own) and reports, without failing, on any other.
"""

from __future__ import annotations

from .resend_evidence import REQUEST_CONDITIONS, REVIEW_5, REVIEWED

__all__ = [
    "ACTS_WHATEVER_THE_METHOD",
    "IDEMPOTENT",
    "IDEMPOTENT_METHODS",
    "OPERATIONS",
    "PER_CALL",
    "READ_VERBS",
    "REFUSED_ERRORS",
    "REQUEST_CONDITIONS",
    "REST_PROTOCOLS",
    "UNSAFE",
    "VERBS",
]

IDEMPOTENT = "idempotent"
UNSAFE = "unsafe"

REST_PROTOCOLS = frozenset({"rest-json", "rest-xml"})
#: RFC 9110, 9.2.2: PUT, DELETE and the safe methods are idempotent.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# Reasons shared by many verbs.
_READS = "only reads"
_COMPUTES = "computes an answer and keeps no state"
_REMOVES = "removes or ends something: a second request finds it gone"
_SETS = "sets a value or a state: a second request sets the same"
_LINKS = "links or unlinks two existing things: a second request finds them so"
_CREATES = (
    "without a token, a second request may create a second resource (the models do not"
    " say which names are unique)"
)
_STARTS = "a second request may start a second run, job or execution"
_SENDS = "a second request sends, delivers or appends a second time"
_AGAIN = "a second request performs the action a second time"

#: Verbs that only read: the only ones an operation newer than the review is resent by.
# fmt: off
_READ_VERBS = (
    "List", "Get", "Describe", "Search", "Query", "Scan", "Head", "Lookup", "BatchGet",
    "Count", "Is", "Contains", "View", "Download", "Filter", "Select", "Discover",
    "Introspect", "Retrieve", "AgenticRetrieve", "DomainMetadata", "CarrierLookup",
    "PhoneNumberValidate", "TransactGet", "BatchDescribe",
    "BatchList", "BatchCheck", "BatchEvaluate", "BatchValidate", "BatchDetect",
    "BatchIs", "BatchSearch", "BatchQuery", "BatchLookup", "BatchRetrieve",
    "BatchCount", "BatchSelect", "BatchRead", "AdminGet", "AdminList", "Traverse",
)
# fmt: on
READ_VERBS = frozenset(_READ_VERBS)

#: Leading verbs of operation names (a prefix at a word boundary), their class and why.
# fmt: off
VERBS: dict[str, tuple[str, str]] = {
    # -- read, or compute without keeping state -------------------------------------
    **dict.fromkeys(_READ_VERBS, (IDEMPOTENT, _READS)),
    **dict.fromkeys(
        ("Export", "BatchExport"),
        (IDEMPOTENT, "reads data out (an export job run twice writes the same data twice)"),
    ),
    **dict.fromkeys(
        ("Poll", "Receive"),
        (
            IDEMPOTENT,
            "takes work from a queue: what a lost answer took comes back after its timeout",
        ),
    ),
    **dict.fromkeys(
        ("Check", "Test", "Validate", "Verify", "Detect", "Calculate", "Estimate", "Preview",
         "Simulate", "Compare", "Predict", "Infer", "Recognize", "Analyze", "Classify",
         "Translate", "Synthesize", "Decrypt", "Encrypt", "ReEncrypt", "Sign", "Decode",
         "Suggest", "Autocomplete", "Geocode", "Snap", "Forecast", "Rerank", "Evaluate",
         "Assume", "Converse", "Sample", "Redact", "Render", "Derive", "Encapsulate",
         "Decapsulate", "Optimize", "Generate", "Transcribe", "Probe", "Insight",
         "Rescore", "Chat"),
        (IDEMPOTENT, _COMPUTES),
    ),
    # -- leave the same end state when sent twice -----------------------------------
    **dict.fromkeys(
        ("Delete", "Remove", "Deregister", "Unregister", "Terminate", "Cancel", "Abort",
         "Stop", "Revoke", "Retire", "Expire", "Close", "Deprovision", "Withdraw", "Flush",
         "Clear", "Purge", "Evict", "Drain", "Dispose", "Discard", "Forget", "Unsubscribe",
         "Disconnect", "Deauthorize", "Decline", "Reject", "Dismiss", "Leave", "Logout",
         "GlobalSignOut", "End", "Exit", "Shutdown", "Unpeer", "BatchDelete", "BatchRemove",
         "BatchStop", "BatchCancel", "BatchTerminate", "BatchDisable", "BatchRevoke",
         "AdminDelete", "AdminRemove", "AdminDisable", "AdminForget", "AdminRevoke",
         "AdminUserGlobalSignOut", "Unarchive", "Archive", "Deactivate", "Disable",
         "Suspend", "Pause", "Lock", "Unlock", "Deprecate", "Undeprecate", "Complete",
         "Commit", "Rollback", "Finalize", "Acknowledge", "Unquarantine"),
        (IDEMPOTENT, _REMOVES),
    ),
    **dict.fromkeys(
        ("Put", "Update", "Set", "Modify", "Change", "Replace", "Configure", "Define",
         "Apply", "Enable", "Activate", "Resume", "Accept", "Approve", "Confirm",
         "Authorize", "Allow", "Deny", "Disallow", "Rename", "Resize", "Upgrade",
         "Backtrack", "Reset", "Override", "Reorder", "Save", "Sync", "Synchronize",
         "Resync", "Refresh", "Reload", "Invalidate", "Record", "Report", "Respond",
         "Mark", "Label", "Unlabel", "Opt", "Enter", "Release", "Promote", "Continue",
         "Increase", "Decrease", "Advertise", "Shrink", "Amend", "Setup", "Override",
         "BatchPut", "BatchUpdate", "BatchSet", "BatchModify", "BatchEnable",
         "BatchApply", "BatchAccept", "BatchReject", "BatchApprove", "BatchAcknowledge",
         "BatchSuspendUser", "BatchUnsuspendUser", "BatchResetPassword", "BatchUpsert",
         "BatchMark", "BatchConfirm", "AdminSet", "AdminUpdate", "AdminEnable",
         "AdminConfirm", "Provide", "Monitor", "Unmonitor", "Manage", "Deploy", "Undeploy",
         "Install", "Skip", "Quarantine"),
        (IDEMPOTENT, _SETS),
    ),
    **dict.fromkeys(
        ("Tag", "Untag", "Associate", "Disassociate", "Dissociate", "Attach", "Detach",
         "Add", "Unassign", "Unlink", "Unshare", "Share", "Subscribe", "Grant", "Peer",
         "Group", "Ungroup", "BatchAssociate", "BatchDisassociate", "BatchAttach",
         "BatchDetach", "BatchAdd", "BatchTag", "BatchUntag", "BatchGrant", "BatchLink",
         "BatchUnlink", "AdminAddUserToGroup", "AdminRemoveUserFromGroup",
         "AdminLinkProviderForUser", "AdminDisableProviderForUser", "CreateTags",
         "CreateOrUpdateTags"),
        (IDEMPOTENT, _LINKS),
    ),
    # -- a second request may act a second time -------------------------------------
    **dict.fromkeys(
        ("Create", "Register", "Import", "Reimport", "Copy", "Clone", "Restore", "Allocate",
         "Purchase", "Request", "Initiate", "Issue", "Provision", "Reserve", "Claim",
         "Acquire", "Checkout", "Redeem", "Regenerate", "Exchange", "Bundle", "Build",
         "Convert", "Replicate", "Split", "Merge", "Join", "Transfer", "Move", "Assign",
         "Upload", "Insert", "Write", "Ingest", "Index", "Populate", "Compose", "Prepare",
         "Initialize", "Connect", "Extend", "Take", "Distribute", "Schedule", "Retry",
         "BatchCreate", "BatchImport", "BatchCopy", "BatchRegister", "BatchAllocate",
         "BatchIssue", "BatchWrite", "BatchInsert", "BatchExecute", "BatchStart",
         "BatchSend", "BatchPublish", "BatchInvoke", "BatchRun", "BatchSubmit",
         "BatchUpload", "BatchIngest", "BatchGenerate", "AdminCreate", "AdminInitiate",
         "AdminRespond", "Resend", "Invite", "Begin", "Checkpoint", "Return",
         "ForgotPassword", "AdminResend", "Reverse", "Swap", "Migrate"),
        (UNSAFE, _CREATES),
    ),
    **dict.fromkeys(
        ("Start", "Run", "Execute", "Invoke", "Submit", "Launch", "Process", "Restart",
         "Reboot", "Failover", "Switchover", "Rotate", "Rebuild", "Rebalance", "Redrive",
         "Signal", "Trigger", "Resolve", "Recall", "Vote", "Meter", "Bulk", "Channel",
         "Renew", "Open", "BatchMeter", "BatchReboot", "BatchReplace", "BatchReset",
         "BatchToggle"),
        (UNSAFE, _STARTS),
    ),
    **dict.fromkeys(
        ("Send", "Publish", "Post", "Notify", "Deliver", "Push", "Append", "Increment",
         "Transact", "BatchReinvite", "AdminResetUserPassword"),
        (UNSAFE, _SENDS),
    ),
    "Capture": (UNSAFE, "a second request may capture funds a second time (partial captures add up)"),
}
# fmt: on

#: Verbs that act whatever the HTTP method: a REST PUT that starts or sends is unsafe.
ACTS_WHATEVER_THE_METHOD = frozenset(
    {
        "Start", "Run", "Execute", "Invoke", "Submit", "Launch", "Restart", "Reboot",
        "Failover", "Send", "Publish", "Post", "Notify", "Deliver", "Push", "Append",
        "Increment", "Rotate", "Signal", "Redrive", "Copy", "Clone", "Import", "Restore",
        "Allocate", "Purchase", "Request", "Initiate", "Issue", "Retry", "BatchCreate",
        "BatchImport", "BatchExecute", "BatchStart", "BatchSend", "BatchInvoke",
    }
)  # fmt: skip

_APPEND = "appends: every request adds records, data points or events"
_NAMED = "creates a resource by the name the caller gives; a second request is answered"

#: Reviewed by hand: operations whose class differs from their verb's (or method's), and why.
# fmt: off
_BY_HAND: dict[tuple[str, str], tuple[str, str]] = {
    # Append-style writes: unsafe whatever their verb or method.
    ("cloudwatch", "PutMetricData"): (UNSAFE, f"{_APPEND} (a counter or sum is counted twice)"),
    ("logs", "PutLogEvents"): (UNSAFE, f"{_APPEND} (a log line written twice)"),
    ("events", "PutEvents"): (UNSAFE, f"{_APPEND} (an event delivered twice to every rule)"),
    ("events", "PutPartnerEvents"): (UNSAFE, _APPEND),
    ("eventbridgev2", "PutEvents"): (UNSAFE, _APPEND),
    ("eventbridgev2", "PutRawEvents"): (UNSAFE, _APPEND),
    ("rum", "PutRumEvents"): (UNSAFE, _APPEND),
    ("sagemaker-metrics", "BatchPutMetrics"): (UNSAFE, f"{_APPEND} (a REST PUT that appends metric values)"),
    ("kinesis", "PutRecord"): (UNSAFE, f"{_APPEND} (a second record, new sequence number)"),
    ("kinesis", "PutRecords"): (UNSAFE, _APPEND),
    ("firehose", "PutRecord"): (UNSAFE, _APPEND),
    ("firehose", "PutRecordBatch"): (UNSAFE, _APPEND),
    ("personalize-events", "PutEvents"): (UNSAFE, _APPEND),
    ("personalize-events", "PutActionInteractions"): (UNSAFE, _APPEND),
    ("pinpoint", "PutEvents"): (UNSAFE, _APPEND),
    ("xray", "PutTelemetryRecords"): (UNSAFE, _APPEND),
    ("ivs", "PutMetadata"): (UNSAFE, f"{_APPEND} (metadata inserted into a live stream)"),
    ("iotevents-data", "BatchPutMessage"): (UNSAFE, f"{_APPEND} (messages sent to detectors)"),
    ("cloudtrail-data", "PutAuditEvents"): (UNSAFE, _APPEND),
    ("dynamodb", "ExecuteStatement"): (UNSAFE, "a PartiQL statement may add to a value"),
    ("dynamodb", "BatchExecuteStatement"): (UNSAFE, "PartiQL statements may add to values"),
    # Puts and deletes of whole items: idempotent whatever their verb.
    ("dynamodb", "BatchWriteItem"): (IDEMPOTENT, "puts and deletes of whole items"),
    ("iotsitewise", "BatchPutAssetPropertyValue"): (IDEMPOTENT, "values keyed by property and timestamp"),
    ("iottwinmaker", "BatchPutPropertyValues"): (IDEMPOTENT, "values keyed by property and timestamp"),
    # Adds that create a second thing on a second request.
    ("emr", "AddJobFlowSteps"): (UNSAFE, "a second request adds the steps again"),
    ("emr", "AddInstanceGroups"): (UNSAFE, "a second request adds a second instance group"),
    ("emr", "AddInstanceFleet"): (UNSAFE, "a second request adds a second instance fleet"),
    ("cognito-idp", "AddUserPoolClientSecret"): (UNSAFE, "a second request adds a second secret"),
    ("elbv2", "AddTrustStoreRevocations"): (UNSAFE, "each request creates revocation entries"),
    ("application-insights", "AddWorkload"): (UNSAFE, _CREATES),
    ("mediaconnect", "GrantFlowEntitlements"): (UNSAFE, "a second request creates entitlements again"),
    ("sqs", "PurgeQueue"): (UNSAFE, "a second request deletes messages sent since the first"),
    ("apigateway", "GenerateClientCertificate"): (UNSAFE, "creates a client certificate resource"),
    ("kms", "GenerateRandom"): (IDEMPOTENT, _COMPUTES),
    ("sqs", "ReceiveMessage"): (
        IDEMPOTENT,
        (
            "at-least-once delivery: a lost answer's messages come back after their"
            " visibility timeout, as after any failed consumer (their receive count rises)"
        ),
    ),
    # Starts documented or known to be no-ops when already in that state.
    ("ec2", "StartInstances"): (IDEMPOTENT, "a running instance stays running"),
    ("route53domains", "RenewDomain"): (IDEMPOTENT, "CurrentExpiryYear must match: a second request is refused"),
    ("lightsail", "OpenInstancePublicPorts"): (IDEMPOTENT, _SETS),
    ("ec2", "RebootInstances"): (UNSAFE, _STARTS),
    ("rds", "StartDBInstance"): (IDEMPOTENT, "a second request is refused: the instance is starting"),
    ("rds", "StartDBCluster"): (IDEMPOTENT, "a second request is refused: the cluster is starting"),
    ("cloudtrail", "StartLogging"): (IDEMPOTENT, _SETS),
    ("config", "StartConfigurationRecorder"): (IDEMPOTENT, _SETS),
    ("s3", "RestoreObject"): (IDEMPOTENT, "a second request is answered RestoreAlreadyInProgress"),
    ("s3", "CopyObject"): (IDEMPOTENT, "a PUT of the destination key: a second request writes the same copy"),
    ("s3", "UploadPartCopy"): (IDEMPOTENT, "a PUT of one part: a second request writes the same part"),
    ("s3", "CreateMultipartUpload"): (IDEMPOTENT, "a second request leaves only an empty upload id that no part is sent to: free, invisible as an object, ended by AbortMultipartUpload or a lifecycle rule (the criterion's empty, expiring thing)"),
    # Registers that set, rather than add a revision or an id.
    ("elbv2", "RegisterTargets"): (IDEMPOTENT, _LINKS),
    ("elb", "RegisterInstancesWithLoadBalancer"): (IDEMPOTENT, _LINKS),
    ("application-autoscaling", "RegisterScalableTarget"): (IDEMPOTENT, "creates or updates by resource id"),
    ("swf", "RegisterActivityType"): (IDEMPOTENT, f"{_NAMED} TypeAlreadyExistsFault"),
    ("swf", "RegisterWorkflowType"): (IDEMPOTENT, f"{_NAMED} TypeAlreadyExistsFault"),
    ("swf", "RegisterDomain"): (IDEMPOTENT, f"{_NAMED} DomainAlreadyExistsFault"),
    # Stateless model inference: a resend is billed again but changes nothing.
    ("bedrock-runtime", "InvokeModel"): (IDEMPOTENT, f"{_COMPUTES} (a resend is billed again)"),
    ("bedrock-runtime", "InvokeModelWithResponseStream"): (IDEMPOTENT, f"{_COMPUTES} (a resend is billed again)"),
    ("bedrock-runtime", "ApplyGuardrail"): (IDEMPOTENT, _COMPUTES),
    ("bedrock-runtime", "CountTokens"): (IDEMPOTENT, _COMPUTES),
    # Creates by a unique name, documented to answer "already exists" or to return the
    # existing resource: a second request cannot make a second one.
    ("sqs", "CreateQueue"): (IDEMPOTENT, f"{_NAMED} with the existing queue's URL (same attributes)"),
    ("sns", "CreateTopic"): (IDEMPOTENT, f"{_NAMED} with the existing topic's ARN"),
    ("sns", "Subscribe"): (IDEMPOTENT, "a second request returns the existing subscription's ARN"),
    ("dynamodb", "CreateTable"): (IDEMPOTENT, f"{_NAMED} ResourceInUseException"),
    ("iam", "CreateRole"): (IDEMPOTENT, f"{_NAMED} EntityAlreadyExists"),
    ("iam", "CreateUser"): (IDEMPOTENT, f"{_NAMED} EntityAlreadyExists"),
    ("iam", "CreateGroup"): (IDEMPOTENT, f"{_NAMED} EntityAlreadyExists"),
    ("iam", "CreatePolicy"): (IDEMPOTENT, f"{_NAMED} EntityAlreadyExists"),
    ("iam", "CreateInstanceProfile"): (IDEMPOTENT, f"{_NAMED} EntityAlreadyExists"),
    ("lambda", "CreateFunction"): (IDEMPOTENT, f"{_NAMED} ResourceConflictException"),
    ("lambda", "CreateAlias"): (IDEMPOTENT, f"{_NAMED} ResourceConflictException"),
    ("logs", "CreateLogGroup"): (IDEMPOTENT, f"{_NAMED} ResourceAlreadyExistsException"),
    ("logs", "CreateLogStream"): (IDEMPOTENT, f"{_NAMED} ResourceAlreadyExistsException"),
    ("kinesis", "CreateStream"): (IDEMPOTENT, f"{_NAMED} ResourceInUseException"),
    ("ec2", "CreateKeyPair"): (IDEMPOTENT, f"{_NAMED} InvalidKeyPair.Duplicate"),
    ("ec2", "CreateSecurityGroup"): (IDEMPOTENT, f"{_NAMED} InvalidGroup.Duplicate"),
    ("ec2", "ImportKeyPair"): (IDEMPOTENT, f"{_NAMED} InvalidKeyPair.Duplicate"),
    ("ecs", "CreateCluster"): (IDEMPOTENT, f"{_NAMED} with the existing cluster"),
    ("elbv2", "CreateLoadBalancer"): (IDEMPOTENT, f"{_NAMED} with the existing load balancer (same settings)"),
    ("elbv2", "CreateTargetGroup"): (IDEMPOTENT, f"{_NAMED} with the existing target group (same settings)"),
    ("ssm", "PutParameter"): (IDEMPOTENT, "with Overwrite, sets the value (a new version number); without, ParameterAlreadyExists"),
    # Verbs or methods that look idempotent, for operations that run, deploy, notify or
    # mint on every request (each read in its documentation).
    ("ecs", "UpdateDaemon"): (UNSAFE, "'When you update a daemon, a new deployment is triggered': a second deployment"),
    ("ses", "VerifyEmailIdentity"): (UNSAFE, "'a verification email is sent to the specified address': a second mail"),
    ("ses", "VerifyEmailAddress"): (UNSAFE, "sends a verification email, as VerifyEmailIdentity: a second mail"),
    ("lightsail", "TestAlarm"): (UNSAFE, "'the test also sends a notification' (email, SMS): a second notification"),
    ("glue", "ResumeWorkflowRun"): (UNSAFE, "'The selected nodes and all nodes that are downstream ... are run': run again"),
    ("ec2", "ReplaceVpnTunnel"): (UNSAFE, "'Trigger replacement of specified VPN tunnel': a second replacement, a second outage"),
    ("devops-guru", "AddNotificationChannel"): (UNSAFE, "a REST PUT to the collection: a second request may add a second channel, every notification sent twice"),
    ("qapps", "AssociateLibraryItemReview"): (UNSAFE, "'This increments the rating count': counted twice"),
    ("elementalinference", "AssociateFeed"): (UNSAFE, "'You can add more outputs': a second request adds the outputs again"),
    ("quicksight", "UpdateDashboard"): (UNSAFE, "'Updating a Dashboard creates a new dashboard version': a second version"),
    # PUTs that make a thing but whose URI does not name it, read as idempotent.
    ("s3", "UploadPart"): (IDEMPOTENT, "a PUT of one part number of one upload: a second request replaces the same part"),
    ("glacier", "UploadMultipartPart"): (IDEMPOTENT, "a PUT of one byte range of one upload: a second request writes the same range"),
    ("serverlessrepo", "CreateApplicationVersion"): (IDEMPOTENT, "a PUT to the version's own semantic version: a second request is answered ConflictException"),
    ("mediaconnect", "TakeRouterInput"): (IDEMPOTENT, "sets which input a router output takes: a second request sets the same"),
}
# fmt: on

#: Every reviewed operation: the evidence review (``_knowledge/resend_evidence``: 1,313 judged
#: idempotent, 91 unsafe despite a strong signal), under the hand-written entries above.
OPERATIONS: dict[tuple[str, str], tuple[str, str]] = {**REVIEWED, **REVIEW_5, **_BY_HAND}

#: Error codes documented to mean the request was turned away before it ran, whatever
#: their status: refused (always resent), where a modeled-retryable 5xx or 408 is
#: otherwise ambiguous (``_policy/classify``). Keyed by service and code, with the quote.
# fmt: off
#: Idempotent operations whose repeat is *refused* (not answered): after a lost answer, a resend
#: answered with one of these codes means the first attempt acted, and is raised as
#: ``EarlierAttemptMayHaveActed`` (still the service's class). ``(codes, marker, quote)``: the
#: marker, when set, must be in the error's message too; the quote is the entry's evidence.
# fmt: off
REPEAT_REFUSALS: dict[tuple[str, str], tuple[tuple[str, ...], str | None, str]] = {
    ("acm-pca", "RestoreCertificateAuthority"): (("InvalidStateException",), None, "restores the CA it names from DELETED; a second request finds it not DELETED → InvalidStateException (modeled)"),
    ("clouddirectory", "PublishSchema"): (("SchemaAlreadyPublishedException",), None, "publishes under the caller-given Version; a second publish gets SchemaAlreadyPublishedException (modeled)"),
    ("cloudtrail", "RegisterOrganizationDelegatedAdmin"): (("AccountRegisteredException",), None, "registers the member account; a second gets AccountRegisteredException (modeled); Smithy @idempotent"),
    ("cloudtrail", "RestoreEventDataStore"): (("InvalidEventDataStoreStatusException",), None, "restores the deleted event data store it names; a second gets InvalidEventDataStoreStatusException"),
    ("cloudtrail", "StartEventDataStoreIngestion"): (("InvalidEventDataStoreStatusException",), None, "'Status must be STOPPED_INGESTION' to start; a second gets InvalidEventDataStoreStatusException"),
    ("codecommit", "CreateCommit"): (("NoChangeException",), None, "parentCommitId must be the branch tip (required in non-empty repos); a resend gets ParentCommitIdOutdated or NoChangeException"),
    ("codecommit", "MergePullRequestByFastForward"): (("PullRequestAlreadyClosedException",), None, "merges and closes the pull request it names; a second gets PullRequestAlreadyClosedException"),
    ("codecommit", "MergePullRequestBySquash"): (("PullRequestAlreadyClosedException",), None, "merges and closes the pull request it names; a second gets PullRequestAlreadyClosedException"),
    ("codecommit", "MergePullRequestByThreeWay"): (("PullRequestAlreadyClosedException",), None, "merges and closes the pull request it names; a second gets PullRequestAlreadyClosedException"),
    ("codedeploy", "RegisterOnPremisesInstance"): (("InstanceNameAlreadyRegisteredException",), None, "named: instanceName; a second gets InstanceNameAlreadyRegisteredException (modeled)"),
    ("cognito-idp", "StartUserImportJob"): (("PreconditionNotMetException",), None, "starts the import job it names; a second gets PreconditionNotMetException (job already started)"),
    ("connectcampaigns", "StartCampaign"): (("InvalidCampaignStateException",), None, "starts the campaign it names; a second gets InvalidCampaignStateException"),
    ("connectcampaignsv2", "StartCampaign"): (("InvalidCampaignStateException",), None, "starts the campaign it names; a second gets InvalidCampaignStateException"),
    ("dms", "MoveReplicationTask"): (("InvalidResourceStateFault",), None, "moves the named task to the named instance; a repeat finds it moving/moved (InvalidResourceStateFault)"),
    ("docdb", "StartDBCluster"): (("InvalidDBClusterStateFault",), None, "starts the stopped cluster it names; a second request gets InvalidDBClusterStateFault"),
    ("elasticache", "PrepareMigration"): (("ServerlessCacheAlreadyUnderMigrationFault",), None, "prepares the named cache; a repeat gets ServerlessCacheAlreadyUnderMigrationFault"),
    ("elasticache", "StartMigration"): (("ReplicationGroupAlreadyUnderMigrationFault",), None, "starts migration for the named replication group; a repeat gets ReplicationGroupAlreadyUnderMigrationFault"),
    ("globalaccelerator", "ProvisionByoipCidr"): (("IncorrectCidrStateException",), None, 'named: the caller\'s Cidr "cannot overlap with another address range that you\'ve brought"; a repeat gets IncorrectCidrStateException (modeled)'),
    ("iot", "TransferCertificate"): (("CertificateStateException",), None, "moves the named certificate to PENDING_TRANSFER for targetAwsAccount; a repeat gets CertificateStateException (modeled)"),
    ("kms", "ScheduleKeyDeletion"): (("KMSInvalidStateException",), None, "state change of the key it names (to PendingDeletion); a second request meets a PendingDeletion key (KMSInvalidStateException), nothing new"),
    ("neptune", "StartDBCluster"): (("InvalidDBClusterStateFault",), None, "starts the stopped cluster it names; a second request gets InvalidDBClusterStateFault"),
    ("organizations", "CreateOrganization"): (("AlreadyInOrganizationException",), None, "the calling account becomes the management account; a second request gets AlreadyInOrganizationException (modeled)"),
    ("organizations", "RegisterDelegatedAdministrator"): (("AccountAlreadyRegisteredException",), None, 'associates AccountId with ServicePrincipal; a repeat gets AccountAlreadyRegisteredException ("already a delegated administrator")'),
    ("rds", "MoveDataGroup"): (("InvalidDataGroupStateFault",), None, "runs one step of a state machine on the named data group (prepare-move -> ready-to-move -> execute-move); a repeated step gets InvalidDataGroupStateFault"),
    ("rds", "RegisterDBProxyTargets"): (("DBProxyTargetAlreadyRegisteredFault",), None, "associates the named instances/clusters with the proxy target group; a repeat gets DBProxyTargetAlreadyRegisteredFault (modeled)"),
    ("rds", "StartActivityStream"): (("InvalidDBClusterStateFault",), None, "starts the activity stream of the DB cluster it names; a second request finds it started (InvalidDBClusterStateFault)"),
    ("rds", "StartDBCluster"): (("InvalidDBClusterStateFault",), None, "a second request is refused: the cluster is starting (InvalidDBClusterStateFault, modeled)"),
    ("rds", "StartDBInstance"): (("InvalidDBInstanceState",), None, "a second request is refused: the instance is starting (InvalidDBInstanceState, modeled)"),
    ("rds", "StartDBInstanceAutomatedBackupsReplication"): (("InvalidDBInstanceAutomatedBackupState",), None, "enables backup replication for the named source instance; a repeat finds it enabled (InvalidDBInstanceAutomatedBackupStateFault)"),
    ("rds", "SwitchoverBlueGreenDeployment"): (("InvalidBlueGreenDeploymentStateFault",), None, "switches the named blue/green deployment over once (blue -> green); a second request finds it switched (InvalidBlueGreenDeploymentStateFault)"),
    ("redshift", "CreateCustomDomainAssociation"): (("CustomCnameAssociationFault",), None, "associates the named CustomDomainName with the named cluster (no generated id); a repeat leaves the same association or gets CustomCnameAssociationFault"),
    ("route53", "ChangeResourceRecordSets"): (("InvalidChangeBatch",), "already exists", 'a CREATE of a record that exists is refused: InvalidChangeBatch "Tried to create resource record set ... but it already exists"'),
    ("stepfunctions", "SendTaskFailure"): (("TaskDoesNotExist", "TaskTimedOut"), None, "closes the task its taskToken names; a second request finds the task closed (TaskTimedOut/TaskDoesNotExist, modeled)"),
    ("stepfunctions", "SendTaskSuccess"): (("TaskDoesNotExist", "TaskTimedOut"), None, "completes the task its taskToken names; a second request finds the task closed (TaskTimedOut/TaskDoesNotExist, modeled)"),
    ("waf", "CreateByteMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateGeoMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateIPSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateRateBasedRule"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateRegexMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateRegexPatternSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateRule"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateRuleGroup"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateSizeConstraintSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateSqlInjectionMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateWebACL"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf", "CreateXssMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateByteMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateGeoMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateIPSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateRateBasedRule"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateRegexMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateRegexPatternSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateRule"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateRuleGroup"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateSizeConstraintSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateSqlInjectionMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateWebACL"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("waf-regional", "CreateXssMatchSet"): (("WAFStaleDataException",), None, 'single-use ChangeToken (required): "Each create ... must use a unique change token"; a resend reuses it and gets WAFStaleDataException "already been used" (modeled)'),
    ("workmail", "CreateGroup"): (("NameAvailabilityException",), None, 'named: Name in the organization; a second request gets NameAvailabilityException "name isn\'t unique in WorkMail" (modeled)'),
    ("workmail", "CreateResource"): (("NameAvailabilityException",), None, 'named: Name in the organization; a second request gets NameAvailabilityException "name isn\'t unique in WorkMail" (modeled)'),
    ("workmail", "CreateUser"): (("NameAvailabilityException",), None, 'named: Name in the organization; a second request gets NameAvailabilityException "name isn\'t unique in WorkMail" (modeled)'),
    ("workspaces", "StartWorkspacesPool"): (("InvalidResourceStateException",), None, "starts the named pool; a second request finds it started (InvalidResourceStateException, modeled)"),
}
# fmt: on

REFUSED_ERRORS: dict[tuple[str, str], str] = {
    (
        "neptunedata",
        "QueryLimitExceededException",
    ): "'Raised when the number of active queries exceeds what the server can process. The query in question can be retried when the system is less busy.'",
    (
        "sagemaker-inference-router-runtime",
        "RequestTimeoutException",
    ): "408: 'The inference router didn't receive the complete request within 300 seconds of accepting it'",
    (
        "qconnect",
        "RequestTimeoutException",
    ): "408: 'The request reached the service more than 15 minutes after the date stamp on the request': refused for its signature's age",
    (
        "wisdom",
        "RequestTimeoutException",
    ): "408: 'The request reached the service more than 15 minutes after the date stamp on the request': refused for its signature's age",
}
# fmt: on

#: Operations whose class the request decides: the name of the function in ``_knowledge/resend``.
PER_CALL: dict[tuple[str, str], str] = {
    ("dynamodb", "UpdateItem"): "dynamodb_update_item",
    ("ssm", "UpdateAssociation"): "ssm_update_association",
    ("stepfunctions", "TestState"): "stepfunctions_test_state",
    ("ecs", "UpdateService"): "ecs_update_service",
    ("ec2", "AssociateVpcCidrBlock"): "ec2_associate_vpc_cidr_block",
}
