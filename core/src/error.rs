//! One error model, used as data.
//!
//! Every error the client can report is an [`ErrorKind`]: the local ones librdkafka defines
//! (negative codes, names starting with `_`) and every broker error code Kafka defines. The
//! numeric codes, names and descriptions are librdkafka's (`rd_kafka_err2name`,
//! `rd_kafka_err2str`), because the PHP and Python bindings expose them verbatim and applications
//! compare against them. Broker codes librdkafka does not know yet (98, 99, 101-109, 114-116,
//! 119-128, 130-133) use Kafka's own name and a "Broker: " description in the same style.
//!
//! Retriability follows Kafka's `RetriableException` hierarchy (taken from
//! `org.apache.kafka.common.protocol.Errors` via kafka-protocol's table) plus the local
//! transport/timeout kinds that a later attempt can cure.
//!
//! Bindings map [`ErrorKind`] in one place and walk [`ErrorKind::ALL`] in a test, so a kind added
//! here cannot be lost on the way to an application.

use std::fmt;

/// Declares [`ErrorKind`] and its lookup tables from one list, so code, name, description and
/// retriability can never drift apart.
macro_rules! error_kinds {
    ($( $variant:ident = $code:literal, $name:literal, $retriable:literal, $java:expr, $desc:literal; )*) => {
        /// Every error code: librdkafka's local codes (negative) and Kafka's broker codes.
        ///
        /// The discriminant is librdkafka's `rd_kafka_resp_err_t` value; for broker errors that is
        /// Kafka's wire code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[repr(i32)]
        pub enum ErrorKind {
            $(
                #[doc = $desc]
                $variant = $code,
            )*
        }

        impl ErrorKind {
            /// Every kind, in code order (local first, then -1, 0, 1 ...).
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant,)*];

            /// librdkafka's numeric value (`rd_kafka_resp_err_t`); broker codes are Kafka's codes.
            pub fn code(self) -> i32 {
                self as i32
            }

            /// The kind for a librdkafka numeric code, or `None` if no such code exists.
            pub fn from_code(code: i32) -> Option<ErrorKind> {
                match code {
                    $($code => Some(ErrorKind::$variant),)*
                    _ => None,
                }
            }

            /// librdkafka's name without the `RD_KAFKA_RESP_ERR_` prefix (`rd_kafka_err2name`),
            /// e.g. `"_MSG_TIMED_OUT"`, `"UNKNOWN_TOPIC_OR_PART"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $name,)*
                }
            }

            /// librdkafka's human readable text (`rd_kafka_err2str`), e.g.
            /// `"Local: Message timed out"`.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $desc,)*
                }
            }

            /// Kafka's (Java `Errors` enum) name for broker codes, e.g. `"NOT_LEADER_OR_FOLLOWER"`
            /// for code 6 where librdkafka says `"NOT_LEADER_FOR_PARTITION"`; `None` for local
            /// kinds.
            pub fn kafka_name(self) -> Option<&'static str> {
                match self {
                    $(ErrorKind::$variant => $java,)*
                }
            }

            /// Whether retrying the same operation later may succeed: Kafka's
            /// `RetriableException` set, plus local transport failures and timeouts.
            pub fn is_retriable(self) -> bool {
                match self {
                    $(ErrorKind::$variant => $retriable,)*
                }
            }
        }
    };
}

error_kinds! {
    BadMsg = -199, "_BAD_MSG", false, None,
        "Local: Bad message format";
    BadCompression = -198, "_BAD_COMPRESSION", false, None,
        "Local: Invalid compressed data";
    Destroy = -197, "_DESTROY", false, None,
        "Local: Broker handle destroyed for termination";
    Fail = -196, "_FAIL", true, None,
        "Local: Communication failure with broker";
    Transport = -195, "_TRANSPORT", true, None,
        "Local: Broker transport failure";
    CritSysResource = -194, "_CRIT_SYS_RESOURCE", false, None,
        "Local: Critical system resource failure";
    Resolve = -193, "_RESOLVE", true, None,
        "Local: Host resolution failure";
    MsgTimedOut = -192, "_MSG_TIMED_OUT", false, None,
        "Local: Message timed out";
    PartitionEof = -191, "_PARTITION_EOF", false, None,
        "Broker: No more messages";
    UnknownPartition = -190, "_UNKNOWN_PARTITION", false, None,
        "Local: Unknown partition";
    Fs = -189, "_FS", false, None,
        "Local: File or filesystem error";
    UnknownTopic = -188, "_UNKNOWN_TOPIC", false, None,
        "Local: Unknown topic";
    AllBrokersDown = -187, "_ALL_BROKERS_DOWN", true, None,
        "Local: All broker connections are down";
    InvalidArg = -186, "_INVALID_ARG", false, None,
        "Local: Invalid argument or configuration";
    TimedOut = -185, "_TIMED_OUT", true, None,
        "Local: Timed out";
    QueueFull = -184, "_QUEUE_FULL", false, None,
        "Local: Queue full";
    IsrInsuff = -183, "_ISR_INSUFF", false, None,
        "Local: ISR count insufficient";
    NodeUpdate = -182, "_NODE_UPDATE", false, None,
        "Local: Broker node update";
    Ssl = -181, "_SSL", false, None,
        "Local: SSL error";
    WaitCoord = -180, "_WAIT_COORD", true, None,
        "Local: Waiting for coordinator";
    UnknownGroup = -179, "_UNKNOWN_GROUP", false, None,
        "Local: Unknown group";
    InProgress = -178, "_IN_PROGRESS", false, None,
        "Local: Operation in progress";
    PrevInProgress = -177, "_PREV_IN_PROGRESS", false, None,
        "Local: Previous operation in progress";
    ExistingSubscription = -176, "_EXISTING_SUBSCRIPTION", false, None,
        "Local: Existing subscription";
    AssignPartitions = -175, "_ASSIGN_PARTITIONS", false, None,
        "Local: Assign partitions";
    RevokePartitions = -174, "_REVOKE_PARTITIONS", false, None,
        "Local: Revoke partitions";
    Conflict = -173, "_CONFLICT", false, None,
        "Local: Conflicting use";
    State = -172, "_STATE", false, None,
        "Local: Erroneous state";
    UnknownProtocol = -171, "_UNKNOWN_PROTOCOL", false, None,
        "Local: Unknown protocol";
    NotImplemented = -170, "_NOT_IMPLEMENTED", false, None,
        "Local: Not implemented";
    Authentication = -169, "_AUTHENTICATION", false, None,
        "Local: Authentication failure";
    NoOffset = -168, "_NO_OFFSET", false, None,
        "Local: No offset stored";
    Outdated = -167, "_OUTDATED", false, None,
        "Local: Outdated";
    TimedOutQueue = -166, "_TIMED_OUT_QUEUE", true, None,
        "Local: Timed out in queue";
    UnsupportedFeature = -165, "_UNSUPPORTED_FEATURE", false, None,
        "Local: Required feature not supported by broker";
    WaitCache = -164, "_WAIT_CACHE", true, None,
        "Local: Awaiting cache update";
    Intr = -163, "_INTR", false, None,
        "Local: Operation interrupted";
    KeySerialization = -162, "_KEY_SERIALIZATION", false, None,
        "Local: Key serialization error";
    ValueSerialization = -161, "_VALUE_SERIALIZATION", false, None,
        "Local: Value serialization error";
    KeyDeserialization = -160, "_KEY_DESERIALIZATION", false, None,
        "Local: Key deserialization error";
    ValueDeserialization = -159, "_VALUE_DESERIALIZATION", false, None,
        "Local: Value deserialization error";
    Partial = -158, "_PARTIAL", false, None,
        "Local: Partial response";
    ReadOnly = -157, "_READ_ONLY", false, None,
        "Local: Read-only object";
    Noent = -156, "_NOENT", false, None,
        "Local: No such entry";
    Underflow = -155, "_UNDERFLOW", false, None,
        "Local: Read underflow";
    InvalidType = -154, "_INVALID_TYPE", false, None,
        "Local: Invalid type";
    Retry = -153, "_RETRY", true, None,
        "Local: Retry operation";
    PurgeQueue = -152, "_PURGE_QUEUE", false, None,
        "Local: Purged in queue";
    PurgeInflight = -151, "_PURGE_INFLIGHT", false, None,
        "Local: Purged in flight";
    Fatal = -150, "_FATAL", false, None,
        "Local: Fatal error";
    Inconsistent = -149, "_INCONSISTENT", false, None,
        "Local: Inconsistent state";
    GaplessGuarantee = -148, "_GAPLESS_GUARANTEE", false, None,
        "Local: Gap-less ordering would not be guaranteed if proceeding";
    MaxPollExceeded = -147, "_MAX_POLL_EXCEEDED", false, None,
        "Local: Maximum application poll interval (max.poll.interval.ms) exceeded";
    UnknownBroker = -146, "_UNKNOWN_BROKER", false, None,
        "Local: Unknown broker";
    NotConfigured = -145, "_NOT_CONFIGURED", false, None,
        "Local: Functionality not configured";
    Fenced = -144, "_FENCED", false, None,
        "Local: This instance has been fenced by a newer instance";
    Application = -143, "_APPLICATION", false, None,
        "Local: Application generated error";
    AssignmentLost = -142, "_ASSIGNMENT_LOST", false, None,
        "Local: Group partition assignment lost";
    Noop = -141, "_NOOP", false, None,
        "Local: No operation performed";
    AutoOffsetReset = -140, "_AUTO_OFFSET_RESET", false, None,
        "Local: No offset to automatically reset to";
    LogTruncation = -139, "_LOG_TRUNCATION", false, None,
        "Local: Partition log truncation detected";
    InvalidDifferentRecord = -138, "_INVALID_DIFFERENT_RECORD", false, None,
        "Local: an invalid record in the same batch caused the failure of this message too";
    DestroyBroker = -137, "_DESTROY_BROKER", false, None,
        "Local: Broker handle destroyed without termination";
    Unknown = -1, "UNKNOWN", false, Some("UNKNOWN_SERVER_ERROR"),
        "Unknown broker error";
    NoError = 0, "NO_ERROR", false, Some("NONE"),
        "Success";
    OffsetOutOfRange = 1, "OFFSET_OUT_OF_RANGE", false, Some("OFFSET_OUT_OF_RANGE"),
        "Broker: Offset out of range";
    InvalidMsg = 2, "INVALID_MSG", true, Some("CORRUPT_MESSAGE"),
        "Broker: Invalid message";
    UnknownTopicOrPart = 3, "UNKNOWN_TOPIC_OR_PART", true, Some("UNKNOWN_TOPIC_OR_PARTITION"),
        "Broker: Unknown topic or partition";
    InvalidMsgSize = 4, "INVALID_MSG_SIZE", false, Some("INVALID_FETCH_SIZE"),
        "Broker: Invalid message size";
    LeaderNotAvailable = 5, "LEADER_NOT_AVAILABLE", true, Some("LEADER_NOT_AVAILABLE"),
        "Broker: Leader not available";
    NotLeaderForPartition = 6, "NOT_LEADER_FOR_PARTITION", true, Some("NOT_LEADER_OR_FOLLOWER"),
        "Broker: Not leader for partition";
    RequestTimedOut = 7, "REQUEST_TIMED_OUT", true, Some("REQUEST_TIMED_OUT"),
        "Broker: Request timed out";
    BrokerNotAvailable = 8, "BROKER_NOT_AVAILABLE", false, Some("BROKER_NOT_AVAILABLE"),
        "Broker: Broker not available";
    ReplicaNotAvailable = 9, "REPLICA_NOT_AVAILABLE", true, Some("REPLICA_NOT_AVAILABLE"),
        "Broker: Replica not available";
    MsgSizeTooLarge = 10, "MSG_SIZE_TOO_LARGE", false, Some("MESSAGE_TOO_LARGE"),
        "Broker: Message size too large";
    StaleCtrlEpoch = 11, "STALE_CTRL_EPOCH", false, Some("STALE_CONTROLLER_EPOCH"),
        "Broker: StaleControllerEpochCode";
    OffsetMetadataTooLarge = 12, "OFFSET_METADATA_TOO_LARGE", false, Some("OFFSET_METADATA_TOO_LARGE"),
        "Broker: Offset metadata string too large";
    NetworkException = 13, "NETWORK_EXCEPTION", true, Some("NETWORK_EXCEPTION"),
        "Broker: Broker disconnected before response received";
    CoordinatorLoadInProgress = 14, "COORDINATOR_LOAD_IN_PROGRESS", true, Some("COORDINATOR_LOAD_IN_PROGRESS"),
        "Broker: Coordinator load in progress";
    CoordinatorNotAvailable = 15, "COORDINATOR_NOT_AVAILABLE", true, Some("COORDINATOR_NOT_AVAILABLE"),
        "Broker: Coordinator not available";
    NotCoordinator = 16, "NOT_COORDINATOR", true, Some("NOT_COORDINATOR"),
        "Broker: Not coordinator";
    TopicException = 17, "TOPIC_EXCEPTION", false, Some("INVALID_TOPIC_EXCEPTION"),
        "Broker: Invalid topic";
    RecordListTooLarge = 18, "RECORD_LIST_TOO_LARGE", false, Some("RECORD_LIST_TOO_LARGE"),
        "Broker: Message batch larger than configured server segment size";
    NotEnoughReplicas = 19, "NOT_ENOUGH_REPLICAS", true, Some("NOT_ENOUGH_REPLICAS"),
        "Broker: Not enough in-sync replicas";
    NotEnoughReplicasAfterAppend = 20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, Some("NOT_ENOUGH_REPLICAS_AFTER_APPEND"),
        "Broker: Message(s) written to insufficient number of in-sync replicas";
    InvalidRequiredAcks = 21, "INVALID_REQUIRED_ACKS", false, Some("INVALID_REQUIRED_ACKS"),
        "Broker: Invalid required acks value";
    IllegalGeneration = 22, "ILLEGAL_GENERATION", false, Some("ILLEGAL_GENERATION"),
        "Broker: Specified group generation id is not valid";
    InconsistentGroupProtocol = 23, "INCONSISTENT_GROUP_PROTOCOL", false, Some("INCONSISTENT_GROUP_PROTOCOL"),
        "Broker: Inconsistent group protocol";
    InvalidGroupId = 24, "INVALID_GROUP_ID", false, Some("INVALID_GROUP_ID"),
        "Broker: Invalid group.id";
    UnknownMemberId = 25, "UNKNOWN_MEMBER_ID", false, Some("UNKNOWN_MEMBER_ID"),
        "Broker: Unknown member";
    InvalidSessionTimeout = 26, "INVALID_SESSION_TIMEOUT", false, Some("INVALID_SESSION_TIMEOUT"),
        "Broker: Invalid session timeout";
    RebalanceInProgress = 27, "REBALANCE_IN_PROGRESS", false, Some("REBALANCE_IN_PROGRESS"),
        "Broker: Group rebalance in progress";
    InvalidCommitOffsetSize = 28, "INVALID_COMMIT_OFFSET_SIZE", false, Some("INVALID_COMMIT_OFFSET_SIZE"),
        "Broker: Commit offset data size is not valid";
    TopicAuthorizationFailed = 29, "TOPIC_AUTHORIZATION_FAILED", false, Some("TOPIC_AUTHORIZATION_FAILED"),
        "Broker: Topic authorization failed";
    GroupAuthorizationFailed = 30, "GROUP_AUTHORIZATION_FAILED", false, Some("GROUP_AUTHORIZATION_FAILED"),
        "Broker: Group authorization failed";
    ClusterAuthorizationFailed = 31, "CLUSTER_AUTHORIZATION_FAILED", false, Some("CLUSTER_AUTHORIZATION_FAILED"),
        "Broker: Cluster authorization failed";
    InvalidTimestamp = 32, "INVALID_TIMESTAMP", false, Some("INVALID_TIMESTAMP"),
        "Broker: Invalid timestamp";
    UnsupportedSaslMechanism = 33, "UNSUPPORTED_SASL_MECHANISM", false, Some("UNSUPPORTED_SASL_MECHANISM"),
        "Broker: Unsupported SASL mechanism";
    IllegalSaslState = 34, "ILLEGAL_SASL_STATE", false, Some("ILLEGAL_SASL_STATE"),
        "Broker: Request not valid in current SASL state";
    UnsupportedVersion = 35, "UNSUPPORTED_VERSION", false, Some("UNSUPPORTED_VERSION"),
        "Broker: API version not supported";
    TopicAlreadyExists = 36, "TOPIC_ALREADY_EXISTS", false, Some("TOPIC_ALREADY_EXISTS"),
        "Broker: Topic already exists";
    InvalidPartitions = 37, "INVALID_PARTITIONS", false, Some("INVALID_PARTITIONS"),
        "Broker: Invalid number of partitions";
    InvalidReplicationFactor = 38, "INVALID_REPLICATION_FACTOR", false, Some("INVALID_REPLICATION_FACTOR"),
        "Broker: Invalid replication factor";
    InvalidReplicaAssignment = 39, "INVALID_REPLICA_ASSIGNMENT", false, Some("INVALID_REPLICA_ASSIGNMENT"),
        "Broker: Invalid replica assignment";
    InvalidConfig = 40, "INVALID_CONFIG", false, Some("INVALID_CONFIG"),
        "Broker: Configuration is invalid";
    NotController = 41, "NOT_CONTROLLER", true, Some("NOT_CONTROLLER"),
        "Broker: Not controller for cluster";
    InvalidRequest = 42, "INVALID_REQUEST", false, Some("INVALID_REQUEST"),
        "Broker: Invalid request";
    UnsupportedForMessageFormat = 43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, Some("UNSUPPORTED_FOR_MESSAGE_FORMAT"),
        "Broker: Message format on broker does not support request";
    PolicyViolation = 44, "POLICY_VIOLATION", false, Some("POLICY_VIOLATION"),
        "Broker: Policy violation";
    OutOfOrderSequenceNumber = 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, Some("OUT_OF_ORDER_SEQUENCE_NUMBER"),
        "Broker: Broker received an out of order sequence number";
    DuplicateSequenceNumber = 46, "DUPLICATE_SEQUENCE_NUMBER", false, Some("DUPLICATE_SEQUENCE_NUMBER"),
        "Broker: Broker received a duplicate sequence number";
    InvalidProducerEpoch = 47, "INVALID_PRODUCER_EPOCH", false, Some("INVALID_PRODUCER_EPOCH"),
        "Broker: Producer attempted an operation with an old epoch";
    InvalidTxnState = 48, "INVALID_TXN_STATE", false, Some("INVALID_TXN_STATE"),
        "Broker: Producer attempted a transactional operation in an invalid state";
    InvalidProducerIdMapping = 49, "INVALID_PRODUCER_ID_MAPPING", false, Some("INVALID_PRODUCER_ID_MAPPING"),
        "Broker: Producer attempted to use a producer id which is not currently assigned to its transactional id";
    InvalidTransactionTimeout = 50, "INVALID_TRANSACTION_TIMEOUT", false, Some("INVALID_TRANSACTION_TIMEOUT"),
        "Broker: Transaction timeout is larger than the maximum value allowed by the broker's max.transaction.timeout.ms";
    ConcurrentTransactions = 51, "CONCURRENT_TRANSACTIONS", false, Some("CONCURRENT_TRANSACTIONS"),
        "Broker: Producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing";
    TransactionCoordinatorFenced = 52, "TRANSACTION_COORDINATOR_FENCED", false, Some("TRANSACTION_COORDINATOR_FENCED"),
        "Broker: Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer";
    TransactionalIdAuthorizationFailed = 53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, Some("TRANSACTIONAL_ID_AUTHORIZATION_FAILED"),
        "Broker: Transactional Id authorization failed";
    SecurityDisabled = 54, "SECURITY_DISABLED", false, Some("SECURITY_DISABLED"),
        "Broker: Security features are disabled";
    OperationNotAttempted = 55, "OPERATION_NOT_ATTEMPTED", false, Some("OPERATION_NOT_ATTEMPTED"),
        "Broker: Operation not attempted";
    KafkaStorageError = 56, "KAFKA_STORAGE_ERROR", true, Some("KAFKA_STORAGE_ERROR"),
        "Broker: Disk error when trying to access log file on disk";
    LogDirNotFound = 57, "LOG_DIR_NOT_FOUND", false, Some("LOG_DIR_NOT_FOUND"),
        "Broker: The user-specified log directory is not found in the broker config";
    SaslAuthenticationFailed = 58, "SASL_AUTHENTICATION_FAILED", false, Some("SASL_AUTHENTICATION_FAILED"),
        "Broker: SASL Authentication failed";
    UnknownProducerId = 59, "UNKNOWN_PRODUCER_ID", false, Some("UNKNOWN_PRODUCER_ID"),
        "Broker: Unknown Producer Id";
    ReassignmentInProgress = 60, "REASSIGNMENT_IN_PROGRESS", false, Some("REASSIGNMENT_IN_PROGRESS"),
        "Broker: Partition reassignment is in progress";
    DelegationTokenAuthDisabled = 61, "DELEGATION_TOKEN_AUTH_DISABLED", false, Some("DELEGATION_TOKEN_AUTH_DISABLED"),
        "Broker: Delegation Token feature is not enabled";
    DelegationTokenNotFound = 62, "DELEGATION_TOKEN_NOT_FOUND", false, Some("DELEGATION_TOKEN_NOT_FOUND"),
        "Broker: Delegation Token is not found on server";
    DelegationTokenOwnerMismatch = 63, "DELEGATION_TOKEN_OWNER_MISMATCH", false, Some("DELEGATION_TOKEN_OWNER_MISMATCH"),
        "Broker: Specified Principal is not valid Owner/Renewer";
    DelegationTokenRequestNotAllowed = 64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false, Some("DELEGATION_TOKEN_REQUEST_NOT_ALLOWED"),
        "Broker: Delegation Token requests are not allowed on this connection";
    DelegationTokenAuthorizationFailed = 65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false, Some("DELEGATION_TOKEN_AUTHORIZATION_FAILED"),
        "Broker: Delegation Token authorization failed";
    DelegationTokenExpired = 66, "DELEGATION_TOKEN_EXPIRED", false, Some("DELEGATION_TOKEN_EXPIRED"),
        "Broker: Delegation Token is expired";
    InvalidPrincipalType = 67, "INVALID_PRINCIPAL_TYPE", false, Some("INVALID_PRINCIPAL_TYPE"),
        "Broker: Supplied principalType is not supported";
    NonEmptyGroup = 68, "NON_EMPTY_GROUP", false, Some("NON_EMPTY_GROUP"),
        "Broker: The group is not empty";
    GroupIdNotFound = 69, "GROUP_ID_NOT_FOUND", false, Some("GROUP_ID_NOT_FOUND"),
        "Broker: The group id does not exist";
    FetchSessionIdNotFound = 70, "FETCH_SESSION_ID_NOT_FOUND", true, Some("FETCH_SESSION_ID_NOT_FOUND"),
        "Broker: The fetch session ID was not found";
    InvalidFetchSessionEpoch = 71, "INVALID_FETCH_SESSION_EPOCH", true, Some("INVALID_FETCH_SESSION_EPOCH"),
        "Broker: The fetch session epoch is invalid";
    ListenerNotFound = 72, "LISTENER_NOT_FOUND", true, Some("LISTENER_NOT_FOUND"),
        "Broker: No matching listener";
    TopicDeletionDisabled = 73, "TOPIC_DELETION_DISABLED", false, Some("TOPIC_DELETION_DISABLED"),
        "Broker: Topic deletion is disabled";
    FencedLeaderEpoch = 74, "FENCED_LEADER_EPOCH", true, Some("FENCED_LEADER_EPOCH"),
        "Broker: Leader epoch is older than broker epoch";
    UnknownLeaderEpoch = 75, "UNKNOWN_LEADER_EPOCH", true, Some("UNKNOWN_LEADER_EPOCH"),
        "Broker: Leader epoch is newer than broker epoch";
    UnsupportedCompressionType = 76, "UNSUPPORTED_COMPRESSION_TYPE", false, Some("UNSUPPORTED_COMPRESSION_TYPE"),
        "Broker: Unsupported compression type";
    StaleBrokerEpoch = 77, "STALE_BROKER_EPOCH", false, Some("STALE_BROKER_EPOCH"),
        "Broker: Broker epoch has changed";
    OffsetNotAvailable = 78, "OFFSET_NOT_AVAILABLE", true, Some("OFFSET_NOT_AVAILABLE"),
        "Broker: Leader high watermark is not caught up";
    MemberIdRequired = 79, "MEMBER_ID_REQUIRED", false, Some("MEMBER_ID_REQUIRED"),
        "Broker: Group member needs a valid member ID";
    PreferredLeaderNotAvailable = 80, "PREFERRED_LEADER_NOT_AVAILABLE", true, Some("PREFERRED_LEADER_NOT_AVAILABLE"),
        "Broker: Preferred leader was not available";
    GroupMaxSizeReached = 81, "GROUP_MAX_SIZE_REACHED", false, Some("GROUP_MAX_SIZE_REACHED"),
        "Broker: Consumer group has reached maximum size";
    FencedInstanceId = 82, "FENCED_INSTANCE_ID", false, Some("FENCED_INSTANCE_ID"),
        "Broker: Static consumer fenced by other consumer with same group.instance.id";
    EligibleLeadersNotAvailable = 83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, Some("ELIGIBLE_LEADERS_NOT_AVAILABLE"),
        "Broker: Eligible partition leaders are not available";
    ElectionNotNeeded = 84, "ELECTION_NOT_NEEDED", true, Some("ELECTION_NOT_NEEDED"),
        "Broker: Leader election not needed for topic partition";
    NoReassignmentInProgress = 85, "NO_REASSIGNMENT_IN_PROGRESS", false, Some("NO_REASSIGNMENT_IN_PROGRESS"),
        "Broker: No partition reassignment is in progress";
    GroupSubscribedToTopic = 86, "GROUP_SUBSCRIBED_TO_TOPIC", false, Some("GROUP_SUBSCRIBED_TO_TOPIC"),
        "Broker: Deleting offsets of a topic while the consumer group is subscribed to it";
    InvalidRecord = 87, "INVALID_RECORD", false, Some("INVALID_RECORD"),
        "Broker: Broker failed to validate record";
    UnstableOffsetCommit = 88, "UNSTABLE_OFFSET_COMMIT", true, Some("UNSTABLE_OFFSET_COMMIT"),
        "Broker: There are unstable offsets that need to be cleared";
    ThrottlingQuotaExceeded = 89, "THROTTLING_QUOTA_EXCEEDED", true, Some("THROTTLING_QUOTA_EXCEEDED"),
        "Broker: Throttling quota has been exceeded";
    ProducerFenced = 90, "PRODUCER_FENCED", false, Some("PRODUCER_FENCED"),
        "Broker: There is a newer producer with the same transactionalId which fences the current one";
    ResourceNotFound = 91, "RESOURCE_NOT_FOUND", false, Some("RESOURCE_NOT_FOUND"),
        "Broker: Request illegally referred to resource that does not exist";
    DuplicateResource = 92, "DUPLICATE_RESOURCE", false, Some("DUPLICATE_RESOURCE"),
        "Broker: Request illegally referred to the same resource twice";
    UnacceptableCredential = 93, "UNACCEPTABLE_CREDENTIAL", false, Some("UNACCEPTABLE_CREDENTIAL"),
        "Broker: Requested credential would not meet criteria for acceptability";
    InconsistentVoterSet = 94, "INCONSISTENT_VOTER_SET", false, Some("INCONSISTENT_VOTER_SET"),
        "Broker: Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters";
    InvalidUpdateVersion = 95, "INVALID_UPDATE_VERSION", false, Some("INVALID_UPDATE_VERSION"),
        "Broker: Invalid update version";
    FeatureUpdateFailed = 96, "FEATURE_UPDATE_FAILED", false, Some("FEATURE_UPDATE_FAILED"),
        "Broker: Unable to update finalized features due to server error";
    PrincipalDeserializationFailure = 97, "PRINCIPAL_DESERIALIZATION_FAILURE", false, Some("PRINCIPAL_DESERIALIZATION_FAILURE"),
        "Broker: Request principal deserialization failed during forwarding";
    SnapshotNotFound = 98, "SNAPSHOT_NOT_FOUND", false, Some("SNAPSHOT_NOT_FOUND"),
        "Broker: Requested snapshot was not found";
    PositionOutOfRange = 99, "POSITION_OUT_OF_RANGE", false, Some("POSITION_OUT_OF_RANGE"),
        "Broker: Requested position is not greater than or equal to zero, and less than the size of the snapshot";
    UnknownTopicId = 100, "UNKNOWN_TOPIC_ID", true, Some("UNKNOWN_TOPIC_ID"),
        "Broker: Unknown topic id";
    DuplicateBrokerRegistration = 101, "DUPLICATE_BROKER_REGISTRATION", false, Some("DUPLICATE_BROKER_REGISTRATION"),
        "Broker: This broker ID is already in use";
    BrokerIdNotRegistered = 102, "BROKER_ID_NOT_REGISTERED", false, Some("BROKER_ID_NOT_REGISTERED"),
        "Broker: The given broker ID was not registered";
    InconsistentTopicId = 103, "INCONSISTENT_TOPIC_ID", true, Some("INCONSISTENT_TOPIC_ID"),
        "Broker: The log's topic ID did not match the topic ID in the request";
    InconsistentClusterId = 104, "INCONSISTENT_CLUSTER_ID", false, Some("INCONSISTENT_CLUSTER_ID"),
        "Broker: The clusterId in the request does not match that found on the server";
    TransactionalIdNotFound = 105, "TRANSACTIONAL_ID_NOT_FOUND", false, Some("TRANSACTIONAL_ID_NOT_FOUND"),
        "Broker: The transactionalId could not be found";
    FetchSessionTopicIdError = 106, "FETCH_SESSION_TOPIC_ID_ERROR", true, Some("FETCH_SESSION_TOPIC_ID_ERROR"),
        "Broker: The fetch session encountered inconsistent topic ID usage";
    IneligibleReplica = 107, "INELIGIBLE_REPLICA", false, Some("INELIGIBLE_REPLICA"),
        "Broker: The new ISR contains at least one ineligible replica";
    NewLeaderElected = 108, "NEW_LEADER_ELECTED", false, Some("NEW_LEADER_ELECTED"),
        "Broker: The AlterPartition request successfully updated the partition state but the leader has changed";
    OffsetMovedToTieredStorage = 109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, Some("OFFSET_MOVED_TO_TIERED_STORAGE"),
        "Broker: The requested offset is moved to tiered storage";
    FencedMemberEpoch = 110, "FENCED_MEMBER_EPOCH", false, Some("FENCED_MEMBER_EPOCH"),
        "Broker: The member epoch is fenced by the group coordinator";
    UnreleasedInstanceId = 111, "UNRELEASED_INSTANCE_ID", false, Some("UNRELEASED_INSTANCE_ID"),
        "Broker: The instance ID is still used by another member in the consumer group";
    UnsupportedAssignor = 112, "UNSUPPORTED_ASSIGNOR", false, Some("UNSUPPORTED_ASSIGNOR"),
        "Broker: The assignor or its version range is not supported by the consumer group";
    StaleMemberEpoch = 113, "STALE_MEMBER_EPOCH", false, Some("STALE_MEMBER_EPOCH"),
        "Broker: The member epoch is stale";
    MismatchedEndpointType = 114, "MISMATCHED_ENDPOINT_TYPE", false, Some("MISMATCHED_ENDPOINT_TYPE"),
        "Broker: The request was sent to an endpoint of the wrong type";
    UnsupportedEndpointType = 115, "UNSUPPORTED_ENDPOINT_TYPE", false, Some("UNSUPPORTED_ENDPOINT_TYPE"),
        "Broker: This endpoint type is not supported yet";
    UnknownControllerId = 116, "UNKNOWN_CONTROLLER_ID", false, Some("UNKNOWN_CONTROLLER_ID"),
        "Broker: This controller ID is not known";
    UnknownSubscriptionId = 117, "UNKNOWN_SUBSCRIPTION_ID", false, Some("UNKNOWN_SUBSCRIPTION_ID"),
        "Broker: Client sent a push telemetry request with an invalid or outdated subscription ID";
    TelemetryTooLarge = 118, "TELEMETRY_TOO_LARGE", false, Some("TELEMETRY_TOO_LARGE"),
        "Broker: Client sent a push telemetry request larger than the maximum size the broker will accept";
    InvalidRegistration = 119, "INVALID_REGISTRATION", false, Some("INVALID_REGISTRATION"),
        "Broker: The controller has considered the broker registration to be invalid";
    TransactionAbortable = 120, "TRANSACTION_ABORTABLE", false, Some("TRANSACTION_ABORTABLE"),
        "Broker: The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID";
    InvalidRecordState = 121, "INVALID_RECORD_STATE", false, Some("INVALID_RECORD_STATE"),
        "Broker: The record state is invalid. The acknowledgement of delivery could not be completed";
    ShareSessionNotFound = 122, "SHARE_SESSION_NOT_FOUND", true, Some("SHARE_SESSION_NOT_FOUND"),
        "Broker: The share session was not found";
    InvalidShareSessionEpoch = 123, "INVALID_SHARE_SESSION_EPOCH", true, Some("INVALID_SHARE_SESSION_EPOCH"),
        "Broker: The share session epoch is invalid";
    FencedStateEpoch = 124, "FENCED_STATE_EPOCH", false, Some("FENCED_STATE_EPOCH"),
        "Broker: The share coordinator rejected the request because the share-group state epoch did not match";
    InvalidVoterKey = 125, "INVALID_VOTER_KEY", false, Some("INVALID_VOTER_KEY"),
        "Broker: The voter key doesn't match the receiving replica's key";
    DuplicateVoter = 126, "DUPLICATE_VOTER", false, Some("DUPLICATE_VOTER"),
        "Broker: The voter is already part of the set of voters";
    VoterNotFound = 127, "VOTER_NOT_FOUND", false, Some("VOTER_NOT_FOUND"),
        "Broker: The voter is not part of the set of voters";
    InvalidRegularExpression = 128, "INVALID_REGULAR_EXPRESSION", false, Some("INVALID_REGULAR_EXPRESSION"),
        "Broker: The regular expression is not valid";
    RebootstrapRequired = 129, "REBOOTSTRAP_REQUIRED", false, Some("REBOOTSTRAP_REQUIRED"),
        "Broker: Client metadata is stale, client should rebootstrap to obtain new metadata";
    StreamsInvalidTopology = 130, "STREAMS_INVALID_TOPOLOGY", false, Some("STREAMS_INVALID_TOPOLOGY"),
        "Broker: The supplied topology is invalid";
    StreamsInvalidTopologyEpoch = 131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false, Some("STREAMS_INVALID_TOPOLOGY_EPOCH"),
        "Broker: The supplied topology epoch is invalid";
    StreamsTopologyFenced = 132, "STREAMS_TOPOLOGY_FENCED", false, Some("STREAMS_TOPOLOGY_FENCED"),
        "Broker: The supplied topology epoch is outdated";
    ShareSessionLimitReached = 133, "SHARE_SESSION_LIMIT_REACHED", true, Some("SHARE_SESSION_LIMIT_REACHED"),
        "Broker: The limit of share sessions has been reached";
}

/// Kafka's (Java) names for the few codes librdkafka spells differently, so code written against
/// either vocabulary compiles. They are the same values: `ErrorKind::NotLeaderOrFollower ==
/// ErrorKind::NotLeaderForPartition`.
#[allow(non_upper_case_globals)]
impl ErrorKind {
    /// Kafka's `UNKNOWN_SERVER_ERROR` (-1).
    pub const UnknownServerError: ErrorKind = ErrorKind::Unknown;
    /// Kafka's `CORRUPT_MESSAGE` (2).
    pub const CorruptMessage: ErrorKind = ErrorKind::InvalidMsg;
    /// Kafka's `UNKNOWN_TOPIC_OR_PARTITION` (3).
    pub const UnknownTopicOrPartition: ErrorKind = ErrorKind::UnknownTopicOrPart;
    /// Kafka's `INVALID_FETCH_SIZE` (4).
    pub const InvalidFetchSize: ErrorKind = ErrorKind::InvalidMsgSize;
    /// Kafka's `NOT_LEADER_OR_FOLLOWER` (6).
    pub const NotLeaderOrFollower: ErrorKind = ErrorKind::NotLeaderForPartition;
    /// Kafka's `MESSAGE_TOO_LARGE` (10).
    pub const MessageTooLarge: ErrorKind = ErrorKind::MsgSizeTooLarge;
    /// Kafka's `STALE_CONTROLLER_EPOCH` (11).
    pub const StaleControllerEpoch: ErrorKind = ErrorKind::StaleCtrlEpoch;
    /// Kafka's `INVALID_TOPIC_EXCEPTION` (17).
    pub const InvalidTopicException: ErrorKind = ErrorKind::TopicException;
}

impl ErrorKind {
    /// The kind for a broker error code from a response. Codes this table does not know (a
    /// newer broker) become [`ErrorKind::Unknown`]; [`Error::from_kafka`] keeps the raw code.
    pub fn from_kafka_code(code: i16) -> ErrorKind {
        match ErrorKind::from_code(i32::from(code)) {
            // Negative codes other than -1 are librdkafka-local and never sent by a broker.
            Some(kind) if !kind.is_local() => kind,
            _ => ErrorKind::Unknown,
        }
    }

    /// Whether the error was raised by the client itself (librdkafka's negative codes).
    /// `Unknown` (-1) is a broker error (Kafka's UNKNOWN_SERVER_ERROR), so it is not local.
    pub fn is_local(self) -> bool {
        self.code() < -1
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with its kind as data, plus the context that explains it.
///
/// Displays as `NAME: message`, e.g.
/// `MSG_SIZE_TOO_LARGE: message of 2000000 bytes exceeds message.max.bytes 1000000`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", .kind.as_str(), .message)]
pub struct Error {
    /// What went wrong, as one of the codes every binding knows.
    pub kind: ErrorKind,
    /// The raw broker code when the error came from a broker response. It differs from
    /// `kind.code()` only when the broker sent a code this table does not know (kind `Unknown`).
    pub kafka_code: Option<i16>,
    /// Human readable context: what was attempted and why it failed.
    pub message: String,
    /// The client instance can no longer be used (librdkafka `rd_kafka_error_is_fatal`), e.g. an
    /// idempotent producer whose sequence state cannot be recovered.
    pub fatal: bool,
    /// The current transaction must be aborted before continuing
    /// (librdkafka `rd_kafka_error_txn_requires_abort`).
    pub txn_requires_abort: bool,
}

impl Error {
    /// A client-side error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, kafka_code: None, message: message.into(), fatal: false, txn_requires_abort: false }
    }

    /// An error a broker returned as `code`; `context` says which request and resource, e.g.
    /// `"Produce to orders [3]"`. The message is the context followed by librdkafka's description.
    pub fn from_kafka(code: i16, context: impl Into<String>) -> Error {
        let kind = ErrorKind::from_kafka_code(code);
        let context = context.into();
        let description = if kind == ErrorKind::Unknown && code != -1 {
            format!("Broker: unknown error code {code}")
        } else {
            kind.description().to_string()
        };
        let message = if context.is_empty() { description } else { format!("{context}: {description}") };
        Error { kind, kafka_code: Some(code), message, fatal: false, txn_requires_abort: false }
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// librdkafka's numeric code for the kind.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// Whether retrying may succeed. A fatal error is never retriable, whatever its kind.
    pub fn is_retriable(&self) -> bool {
        !self.fatal && self.kind.is_retriable()
    }

    /// The context message (without the kind name).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Marks the error fatal: the client instance that raised it must be recreated.
    pub fn fatal(mut self) -> Error {
        self.fatal = true;
        self
    }

    /// Marks the error as requiring the current transaction to be aborted.
    pub fn abortable(mut self) -> Error {
        self.txn_requires_abort = true;
        self
    }
}

impl From<std::io::Error> for Error {
    /// Socket and other I/O failures are broker transport failures, which are retriable.
    fn from(err: std::io::Error) -> Error {
        Error::new(ErrorKind::Transport, err.to_string())
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn all_is_complete_and_consistent() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        let mut descriptions = HashSet::new();
        for &kind in ErrorKind::ALL {
            assert!(codes.insert(kind.code()), "duplicate code {}", kind.code());
            assert!(names.insert(kind.as_str()), "duplicate name {}", kind.as_str());
            assert!(descriptions.insert(kind.description()), "duplicate description {}", kind.description());
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
            assert_eq!(kind.is_local(), kind.as_str().starts_with('_'), "{kind}");
            assert_eq!(kind.kafka_name().is_none(), kind.is_local(), "{kind}");
        }
        // The local range librdkafka defines, without holes.
        for code in -199..=-137 {
            assert!(ErrorKind::from_code(code).is_some(), "missing local code {code}");
        }
        // Every broker code Kafka defines up to 4.1.
        for code in -1..=133 {
            assert!(ErrorKind::from_code(code).is_some(), "missing broker code {code}");
        }
        assert_eq!(ErrorKind::ALL.len(), 63 + 135);
        assert_eq!(ErrorKind::from_code(-200), None);
        assert_eq!(ErrorKind::from_code(134), None);
        let mut sorted = ErrorKind::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, ErrorKind::ALL, "ALL is in code order");
    }

    #[test]
    fn matches_librdkafka() {
        let cases: &[(ErrorKind, i32, &str, &str)] = &[
            (ErrorKind::BadMsg, -199, "_BAD_MSG", "Local: Bad message format"),
            (ErrorKind::BadCompression, -198, "_BAD_COMPRESSION", "Local: Invalid compressed data"),
            (ErrorKind::Transport, -195, "_TRANSPORT", "Local: Broker transport failure"),
            (ErrorKind::MsgTimedOut, -192, "_MSG_TIMED_OUT", "Local: Message timed out"),
            (ErrorKind::PartitionEof, -191, "_PARTITION_EOF", "Broker: No more messages"),
            (ErrorKind::InvalidArg, -186, "_INVALID_ARG", "Local: Invalid argument or configuration"),
            (ErrorKind::QueueFull, -184, "_QUEUE_FULL", "Local: Queue full"),
            (ErrorKind::UnsupportedFeature, -165, "_UNSUPPORTED_FEATURE", "Local: Required feature not supported by broker"),
            (ErrorKind::PurgeInflight, -151, "_PURGE_INFLIGHT", "Local: Purged in flight"),
            (ErrorKind::Fatal, -150, "_FATAL", "Local: Fatal error"),
            (ErrorKind::MaxPollExceeded, -147, "_MAX_POLL_EXCEEDED", "Local: Maximum application poll interval (max.poll.interval.ms) exceeded"),
            (ErrorKind::AutoOffsetReset, -140, "_AUTO_OFFSET_RESET", "Local: No offset to automatically reset to"),
            (ErrorKind::LogTruncation, -139, "_LOG_TRUNCATION", "Local: Partition log truncation detected"),
            (ErrorKind::Unknown, -1, "UNKNOWN", "Unknown broker error"),
            (ErrorKind::NoError, 0, "NO_ERROR", "Success"),
            (ErrorKind::UnknownTopicOrPart, 3, "UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic or partition"),
            (ErrorKind::NotLeaderForPartition, 6, "NOT_LEADER_FOR_PARTITION", "Broker: Not leader for partition"),
            (ErrorKind::MsgSizeTooLarge, 10, "MSG_SIZE_TOO_LARGE", "Broker: Message size too large"),
            (ErrorKind::NotCoordinator, 16, "NOT_COORDINATOR", "Broker: Not coordinator"),
            (ErrorKind::UnsupportedVersion, 35, "UNSUPPORTED_VERSION", "Broker: API version not supported"),
            (ErrorKind::OutOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", "Broker: Broker received an out of order sequence number"),
            (ErrorKind::InvalidProducerEpoch, 47, "INVALID_PRODUCER_EPOCH", "Broker: Producer attempted an operation with an old epoch"),
            (ErrorKind::UnknownProducerId, 59, "UNKNOWN_PRODUCER_ID", "Broker: Unknown Producer Id"),
            (ErrorKind::FencedInstanceId, 82, "FENCED_INSTANCE_ID", "Broker: Static consumer fenced by other consumer with same group.instance.id"),
            (ErrorKind::ProducerFenced, 90, "PRODUCER_FENCED", "Broker: There is a newer producer with the same transactionalId which fences the current one"),
            (ErrorKind::PrincipalDeserializationFailure, 97, "PRINCIPAL_DESERIALIZATION_FAILURE", "Broker: Request principal deserialization failed during forwarding"),
            (ErrorKind::UnknownTopicId, 100, "UNKNOWN_TOPIC_ID", "Broker: Unknown topic id"),
            (ErrorKind::StaleMemberEpoch, 113, "STALE_MEMBER_EPOCH", "Broker: The member epoch is stale"),
            (ErrorKind::TelemetryTooLarge, 118, "TELEMETRY_TOO_LARGE", "Broker: Client sent a push telemetry request larger than the maximum size the broker will accept"),
            (ErrorKind::TransactionAbortable, 120, "TRANSACTION_ABORTABLE", "Broker: The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID"),
            (ErrorKind::RebootstrapRequired, 129, "REBOOTSTRAP_REQUIRED", "Broker: Client metadata is stale, client should rebootstrap to obtain new metadata"),
        ];
        for &(kind, code, name, description) in cases {
            assert_eq!(kind.code(), code, "{name}");
            assert_eq!(kind.as_str(), name);
            assert_eq!(kind.description(), description, "{name}");
        }
        assert_eq!(ErrorKind::NotLeaderOrFollower, ErrorKind::NotLeaderForPartition);
        assert_eq!(ErrorKind::NotLeaderOrFollower.kafka_name(), Some("NOT_LEADER_OR_FOLLOWER"));
        assert_eq!(ErrorKind::InvalidMsg.kafka_name(), Some("CORRUPT_MESSAGE"));
    }

    #[test]
    fn retriable_and_local() {
        for kind in [
            ErrorKind::NotLeaderForPartition,
            ErrorKind::LeaderNotAvailable,
            ErrorKind::RequestTimedOut,
            ErrorKind::NotEnoughReplicas,
            ErrorKind::CoordinatorLoadInProgress,
            ErrorKind::NotCoordinator,
            ErrorKind::UnknownTopicOrPart,
            ErrorKind::Transport,
            ErrorKind::TimedOut,
        ] {
            assert!(kind.is_retriable(), "{kind}");
        }
        for kind in [
            ErrorKind::MsgSizeTooLarge,
            ErrorKind::TopicAuthorizationFailed,
            ErrorKind::InvalidProducerEpoch,
            ErrorKind::OutOfOrderSequenceNumber,
            ErrorKind::MsgTimedOut,
            ErrorKind::InvalidArg,
            ErrorKind::Unknown,
        ] {
            assert!(!kind.is_retriable(), "{kind}");
        }
        assert!(ErrorKind::MsgTimedOut.is_local());
        assert!(!ErrorKind::Unknown.is_local());
        assert!(!ErrorKind::NoError.is_local());
    }

    #[test]
    fn kafka_codes() {
        assert_eq!(ErrorKind::from_kafka_code(6), ErrorKind::NotLeaderForPartition);
        assert_eq!(ErrorKind::from_kafka_code(-1), ErrorKind::Unknown);
        assert_eq!(ErrorKind::from_kafka_code(9999), ErrorKind::Unknown);
        // A broker never sends local codes: treat them as unknown rather than as local failures.
        assert_eq!(ErrorKind::from_kafka_code(-192), ErrorKind::Unknown);

        let err = Error::from_kafka(10, "Produce to t [0]");
        assert_eq!(err.kind(), ErrorKind::MsgSizeTooLarge);
        assert_eq!(err.kafka_code, Some(10));
        assert_eq!(err.to_string(), "MSG_SIZE_TOO_LARGE: Produce to t [0]: Broker: Message size too large");
        let err = Error::from_kafka(9999, "");
        assert_eq!(err.kind(), ErrorKind::Unknown);
        assert_eq!(err.kafka_code, Some(9999));
        assert!(err.message().contains("9999"));
    }

    #[test]
    fn error_display_and_builders() {
        let err = Error::new(
            ErrorKind::MsgSizeTooLarge,
            "message of 2000000 bytes exceeds message.max.bytes 1000000",
        );
        assert_eq!(err.to_string(), "MSG_SIZE_TOO_LARGE: message of 2000000 bytes exceeds message.max.bytes 1000000");
        assert_eq!(err.code(), 10);
        assert!(!err.fatal);
        let err = Error::new(ErrorKind::Transport, "reset").fatal();
        assert!(err.fatal);
        assert!(!err.is_retriable(), "fatal errors are not retriable");
        assert!(Error::new(ErrorKind::Transport, "reset").is_retriable());
        assert!(Error::new(ErrorKind::State, "x").abortable().txn_requires_abort);
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset");
        let err: Error = io.into();
        assert_eq!(err.kind(), ErrorKind::Transport);
        assert_eq!(err.to_string(), "_TRANSPORT: connection reset");
    }

    #[test]
    fn error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_send_sync::<ErrorKind>();
    }
}
