// Package store keeps everything the rendezvous server must not lose: accounts,
// bearer tokens, sessions, participants and the ordered event log that becomes
// the Session Details report. One implementation serves both the embedded
// SQLite database (the default, no cgo) and PostgreSQL; they share one schema
// and one list of migrations, differing only in placeholder syntax.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/shared/protocol"
)

// Sentinel errors, tested with errors.Is.
var (
	ErrNotFound    = errors.New("not found")
	ErrExists      = errors.New("already exists")
	ErrNumberTaken = errors.New("session number already in use by a live session")
	ErrHostLimit   = errors.New("the CSR already hosts as many live sessions as allowed")

	ErrUnknownCategory = errors.New("no such script category")
	ErrInUse           = errors.New("still in use")
)

// HostLimitError refuses a session start when the CSR already hosts Limit
// or more live sessions (Hosted may exceed Limit after the limit was
// lowered). errors.Is(err, ErrHostLimit) holds.
type HostLimitError struct {
	Hosted, Limit int
}

func (e *HostLimitError) Error() string {
	return fmt.Sprintf("%v: hosts %d, limit %d", ErrHostLimit, e.Hosted, e.Limit)
}

func (e *HostLimitError) Is(target error) bool { return target == ErrHostLimit }

// User roles. A manager is a CSR who also sees every CSR's sessions in
// the reports; an admin can do everything.
const (
	RoleCSR     = "csr"
	RoleManager = "manager"
	RoleAdmin   = "admin"
)

// UserRoles are the roles of accounts, the least first.
var UserRoles = []string{RoleCSR, RoleManager, RoleAdmin}

// ValidUserRole says whether role is one of UserRoles.
func ValidUserRole(role string) bool {
	return role == RoleCSR || role == RoleManager || role == RoleAdmin
}

// SeesAllReports says whether the account sees every CSR's sessions in
// the reports, rather than only those it took part in.
func (u *User) SeesAllReports() bool { return u.Role == RoleAdmin || u.Role == RoleManager }

// Participant roles and session states are stored as the protocol names
// them, so what clients see is what the database holds.
const (
	RoleHost      = protocol.RoleCSR       // the CSR in control of the session
	RoleAssistant = protocol.RoleAssistant // another CSR, observing
	RolePrimary   = protocol.RolePrimary   // the customer who shares
	RoleSecondary = protocol.RoleSecondary // further customers, view only

	StateLive  = protocol.StateLive
	StateEnded = protocol.StateEnded
)

// Event audiences: who may see an event when it is sent or replayed.
const (
	AudienceAll     = "all"     // every participant
	AudiencePrivate = "private" // only Actor and Target
	AudienceCSR     = "csr"     // only CSRs (host and assistants)
)

// User is a CSR or admin account.
type User struct {
	ID           string
	Email        string // stored lower-case; unique
	Name         string
	Role         string // RoleCSR, RoleManager or RoleAdmin
	PasswordHash string // argon2id, PHC string format
	Disabled     bool
	FailedLogins int
	LockedUntil  time.Time // zero when not locked
	CreatedAt    time.Time
	// Limits are the account's own session mode and maximum, which beat the
	// site's settings; zero values follow the site.
	Limits settings.UserLimits
}

// Token is an opaque bearer token of a logged-in user, stored as its SHA-256.
type Token struct {
	Hash      []byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Session is one support session.
type Session struct {
	ID           string
	Number       string // 9 digits; unique among live sessions only
	Type         string
	TrackingCode string
	State        string // StateLive or StateEnded
	OwnerUserID  string // the CSR who started it
	Notes        string
	EndReason    string
	CreatedAt    time.Time
	EndedAt      time.Time // zero while live
}

// Participant is one person's presence in one session. CSRs have a UserID;
// customers do not. TokenHash is the SHA-256 of the participant token that
// lets that person (re)connect to this session and nothing else.
type Participant struct {
	ID        string
	SessionID string
	UserID    string
	Name      string
	Email     string
	Role      string
	TokenHash []byte
	Addr      string // remote address at join, for the record
	JoinedAt  time.Time
	LeftAt    time.Time // zero while present
	// RestartUntil is set while a customer's computer reboots: the place is
	// kept until then, and the resume token issued for it expires then.
	// Zero when the participant is not restarting.
	RestartUntil time.Time
	// Resumed says that the restarting participant's resume token was used:
	// its next connection is the agent back after the reboot.
	Resumed bool
}

// ResumeToken lets a customer's agent rejoin its session after a reboot,
// without the session number: single use, bound to one participant,
// stored as its SHA-256 like every token.
type ResumeToken struct {
	Hash          []byte
	ParticipantID string
	SessionID     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // zero until used
}

// QuickPhrase is one of the site's prepared chat lines.
type QuickPhrase struct {
	ID   string
	Text string
}

// Event is one entry of a session's log. Seq numbers start at 1 per session
// and are assigned by the session's owning goroutine, so (SessionID, Seq) is
// unique and gap-free.
type Event struct {
	SessionID string
	Seq       int64
	At        time.Time
	Type      string
	Actor     string // participant id, empty for the server itself
	Target    string // participant id, empty when none
	Audience  string // AudienceAll, AudiencePrivate or AudienceCSR
	Data      []byte // JSON object
}

// SessionFilter selects sessions for reports. Zero fields do not filter.
type SessionFilter struct {
	From, To    time.Time // CreatedAt in [From, To)
	OwnerUserID string
	OwnerEmail  string
	// ParticipantUserID selects the sessions that account took part in,
	// in any role.
	ParticipantUserID string
}

// SessionSummary is one row of the sessions report.
type SessionSummary struct {
	Session
	CSRName       string
	CSREmail      string
	CustomerName  string    // the first customer to join, if any
	CustomerEmail string    //
	StartedAt     time.Time // when the first customer joined; zero if none did
}

// Writer holds every write that may need to be combined with others in one
// transaction, so that a rule's effects are never half-applied.
type Writer interface {
	AddParticipant(ctx context.Context, p Participant) error
	SetParticipantRole(ctx context.Context, participantID, role string) error
	SetParticipantLeft(ctx context.Context, participantID string, at time.Time) error
	// SetParticipantRestart records a participant's restart: until is when
	// its place and resume token expire (zero: not restarting any more),
	// resumed whether the token was used.
	SetParticipantRestart(ctx context.Context, participantID string, until time.Time, resumed bool) error
	// SetParticipantToken replaces a participant's token: the old one stops
	// working.
	SetParticipantToken(ctx context.Context, participantID string, hash []byte) error
	// AddResumeToken stores a resume token, and drops the participant's
	// earlier ones that were not used: only the latest restart can resume.
	AddResumeToken(ctx context.Context, t ResumeToken) error
	// UseResumeToken marks a resume token used, once: ErrNotFound when
	// there is no unused token with this hash.
	UseResumeToken(ctx context.Context, hash []byte, at time.Time) error
	AppendEvent(ctx context.Context, e Event) error
	SetNotes(ctx context.Context, sessionID, notes string) error
	EndSession(ctx context.Context, sessionID string, at time.Time, reason string) error

	// Support queues (queues.go): what a session's rules store together
	// with their events, when a session is transferred or taken over.
	AddQueueRequest(ctx context.Context, r QueueRequest) error
	ClaimQueueRequest(ctx context.Context, id, userID string, at time.Time, sessionID, participantID string) error
	AbandonQueueRequest(ctx context.Context, id string, at time.Time) error
	SetQueueRequestTransferred(ctx context.Context, id string, at time.Time) error
	CheckHostLimit(ctx context.Context, userID string, max int) error
}

// Store is the persistent state of the rendezvous server.
type Store interface {
	Writer
	// Tx runs fn in one transaction: all of its writes happen or none do.
	// fn must write only through w; reads through the Store do not see its
	// writes until Tx returns. When fn returns an error, Tx rolls back and
	// returns that error as is. A write the database refused fails the whole
	// transaction even if fn ignored the error.
	Tx(ctx context.Context, fn func(w Writer) error) error
	Close() error

	CreateUser(ctx context.Context, u User) error // ErrExists on a taken email
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	SetUserDisabled(ctx context.Context, email string, disabled bool) error
	SetPasswordHash(ctx context.Context, email, hash string) error
	SetLoginState(ctx context.Context, userID string, failures int, lockedUntil time.Time) error
	// SetUserLimits sets an account's own session mode and maximum; they
	// are validated, and zero values return it to the site's.
	SetUserLimits(ctx context.Context, email string, l settings.UserLimits) error

	CreateToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash []byte) (Token, error) // ErrNotFound when absent or expired
	DeleteToken(ctx context.Context, hash []byte) error
	DeleteExpiredTokens(ctx context.Context, now time.Time) error

	// Purge deletes the report data older than the retention cutoff, and
	// expired tokens, in bounded transactions (retention.go).
	Purge(ctx context.Context, o PurgeOptions) (PurgeCounts, error)

	// CreateSession stores a live session and its host participant together.
	// ErrNumberTaken when another live session has the same number.
	CreateSession(ctx context.Context, s Session, host Participant) error
	// CreateHostedSession is CreateSession for a CSR starting a session of
	// their own: it is refused with a *HostLimitError when the host's user
	// already hosts maxHosted or more live sessions (as the host, not as an
	// assistant). The count and the insert are one transaction that also
	// locks the user, so two starts at once cannot both pass the limit.
	CreateHostedSession(ctx context.Context, s Session, host Participant, maxHosted int) error
	// HostedSessions counts the live sessions a user hosts.
	HostedSessions(ctx context.Context, userID string) (int, error)
	SessionByID(ctx context.Context, id string) (Session, error)
	LiveSessionByNumber(ctx context.Context, number string) (Session, error)
	LiveSessions(ctx context.Context) ([]Session, error)
	ListSessions(ctx context.Context, f SessionFilter) ([]SessionSummary, error)

	Participants(ctx context.Context, sessionID string) ([]Participant, error) // in join order
	ParticipantByID(ctx context.Context, id string) (Participant, error)
	ParticipantByTokenHash(ctx context.Context, hash []byte) (Participant, error)
	// ResumeTokenByHash returns a resume token whether used or expired
	// (the caller says which, to the client); ErrNotFound when unknown.
	ResumeTokenByHash(ctx context.Context, hash []byte) (ResumeToken, error)

	Events(ctx context.Context, sessionID string, afterSeq int64) ([]Event, error) // in Seq order
	LastSeq(ctx context.Context, sessionID string) (int64, error)                  // 0 when none

	// SiteSettings returns every site setting: the defaults, with what was
	// set laid over. An invalid stored value is an error, not a default.
	SiteSettings(ctx context.Context) (settings.Site, error)
	// SetSiteSetting validates value for the setting name (either
	// spelling: "max-customers" or "max_customers") and stores it.
	SetSiteSetting(ctx context.Context, name, value string) error

	QuickPhrases(ctx context.Context) ([]QuickPhrase, error) // in the order CSRs see them
	// AddQuickPhrase validates text and adds it after the others.
	AddQuickPhrase(ctx context.Context, text string) (QuickPhrase, error)
	RemoveQuickPhrase(ctx context.Context, id string) error // ErrNotFound when absent; the site's or a queue's

	// A queue's own settings and phrases (settings.ForQueue). Queues are
	// named as on the command line; ErrNotFound for an unknown one.
	//
	// QueueSettings returns the values the queue sets itself, by setting
	// name; a setting without one follows the site.
	QueueSettings(ctx context.Context, queueName string) (map[string]string, error)
	// SetQueueSetting validates value (Key.CheckQueue) and stores it as
	// the queue's own; settings.FollowSite removes it.
	SetQueueSetting(ctx context.Context, queueName, name, value string) error
	// SessionSettings is what applies in a session: the site's settings
	// with the own values of the queue it came through laid over (the
	// latest of its queue requests that names a queue, so a session
	// transferred to another queue follows that one). queue is the zero
	// Queue for a session that came through none.
	SessionSettings(ctx context.Context, sessionID string) (site settings.Site, queue Queue, err error)
	// QueueSiteSettings is what applies to a session accepted from a queue:
	// the site's settings with the queue's own laid over.
	QueueSiteSettings(ctx context.Context, queueName string) (settings.Site, error)
	// QueuePhrases returns the queue's own phrases, in order; the site's
	// are offered beside them.
	QueuePhrases(ctx context.Context, queueName string) ([]QuickPhrase, error)
	AddQueuePhrase(ctx context.Context, queueName, text string) (QuickPhrase, error)
	// SettingsStamp changes whenever a setting of the site or of a queue
	// is set or removed (the rows and their latest change), so that a
	// server can tell cheaply whether there is anything new to read.
	SettingsStamp(ctx context.Context) (string, error)

	SessionTypes(ctx context.Context) ([]string, error) // in the order they were added
	// AddSessionType validates name and adds it after the others;
	// ErrExists when a type of that name exists in any case.
	AddSessionType(ctx context.Context, name string) (string, error)
	RemoveSessionType(ctx context.Context, name string) error // any case; ErrNotFound when absent

	// The Script Library (scripts.go). Names of categories and scripts are
	// unique in any case.
	ScriptCategories(ctx context.Context) ([]string, error) // by name, in any case
	// AddScriptCategory validates name and adds it; ErrExists when a
	// category of that name exists in any case.
	AddScriptCategory(ctx context.Context, name string) (string, error)
	// RemoveScriptCategory removes a category (any case); ErrNotFound when
	// absent, a *CategoryInUseError while scripts are filed under it.
	RemoveScriptCategory(ctx context.Context, name string) error
	// CreateScript validates and stores a script with both its files;
	// ErrExists on a taken name, ErrUnknownCategory on a category that does
	// not exist, ErrNotFound on an unknown owner.
	CreateScript(ctx context.Context, sc Script) error
	// ScriptByID returns a script without its files' data.
	ScriptByID(ctx context.Context, id string) (Script, error)
	// ScriptFileData returns the script file, or with input the input file,
	// with its data; ErrNotFound when there is no such script or file.
	ScriptFileData(ctx context.Context, id string, input bool) (ScriptFile, error)
	// ListScripts returns the scripts f selects, in its order, without
	// their files' data.
	ListScripts(ctx context.Context, f ScriptFilter) ([]Script, error)
	// UpdateScript validates and applies the changes u holds, and returns
	// the script as it is now (without data); errors as CreateScript's.
	UpdateScript(ctx context.Context, id string, u ScriptUpdate) (Script, error)
	DeleteScript(ctx context.Context, id string) error // ErrNotFound when absent

	// Support queues (queues.go). Queue names are checked and folded by
	// package queue; a name that is not a queue's is ErrNotFound.
	// AddQueue: ErrExists when a queue of that name exists.
	AddQueue(ctx context.Context, name, displayName string, at time.Time) (Queue, error)
	Queues(ctx context.Context) ([]Queue, error) // by name, without removed ones
	QueueByName(ctx context.Context, name string) (Queue, error)
	QueueByID(ctx context.Context, id string) (Queue, error) // removed ones too
	// RemoveQueue: a *QueueInUseError while customers wait in it.
	RemoveQueue(ctx context.Context, name string, at time.Time) error
	// AddQueueMember: ErrNotFound for an unknown queue or account,
	// ErrExists when the account serves the queue already.
	AddQueueMember(ctx context.Context, queueName, email string, at time.Time) error
	RemoveQueueMember(ctx context.Context, queueName, email string) error // ErrNotFound when not a member
	QueueMembers(ctx context.Context, queueName string) ([]User, error)   // by email
	MemberQueues(ctx context.Context, userID string) ([]Queue, error)     // by name
	IsQueueMember(ctx context.Context, queueID, userID string) (bool, error)
	CreateQueueRequest(ctx context.Context, r QueueRequest) error
	QueueRequestByID(ctx context.Context, id string) (QueueRequest, error)
	QueueRequestByTokenHash(ctx context.Context, hash []byte) (QueueRequest, error)
	WaitingRequests(ctx context.Context, f WaitingFilter) ([]QueueRequest, error)
	QueueRequestsOfSession(ctx context.Context, sessionID string) ([]QueueRequest, error) // oldest first
	ListQueueRequests(ctx context.Context, f QueueRequestFilter) ([]QueueRequest, error)  // by RequestedAt
	// QueueRequestsOfSessions returns the requests of the sessions
	// created in [from, to) (zero times do not limit), in the order they
	// were made: what the session reports tell of queues and transfers.
	QueueRequestsOfSessions(ctx context.Context, from, to time.Time) ([]QueueRequest, error)
	RecentWaits(ctx context.Context, queueID string, n int) ([]time.Duration, error)
	AcceptQueueRequest(ctx context.Context, a QueueAcceptance) error
}

// NewID returns a random identifier with a prefix naming its kind
// ("usr_", "ses_", "par_"): 80 random bits, lower-case base32.
func NewID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
