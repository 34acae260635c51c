package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lifeline/rendezvous/queue"
)

// Support queues (the guide's inbound sessions). An admin makes queues
// and says which CSRs serve each; customers ask for help in a queue and
// wait in line; a CSR of the queue accepts the next one, which starts a
// session with the customer in it; a CSR may transfer a session to a
// queue or to another CSR, where it waits again. Every request stays
// after it is answered, for the queue reports.

// The states of a QueueRequest.
const (
	RequestWaiting   = queue.Waiting   // in line now
	RequestAccepted  = queue.Accepted  // a CSR took it: it is, or was, a session
	RequestAbandoned = queue.Abandoned // the customer left before anyone took it
	// RequestTransferred was accepted, and its CSR then transferred the
	// session on; the request that carries it on names it
	// (TransferredFrom).
	RequestTransferred = queue.Transferred
)

// ErrNotWaiting refuses to accept or abandon a request that is no longer
// waiting: taken by someone else a moment ago, or given up.
var ErrNotWaiting = errors.New("the request is no longer waiting")

// Queue is a support queue.
type Queue struct {
	ID          string
	Name        string // lower case, unique among queues; part of /help/NAME
	DisplayName string // what customers and CSRs read
	CreatedAt   time.Time
	RemovedAt   time.Time // zero while the queue exists
	Members     int       // CSRs who serve it; read only
}

// QueueInUseError refuses to remove a queue while customers wait in it:
// they would wait for nobody. errors.Is(err, ErrInUse) holds.
type QueueInUseError struct {
	Queue   string
	Waiting int
}

func (e *QueueInUseError) Error() string {
	if e.Waiting == 1 {
		return fmt.Sprintf("queue %q: 1 customer is waiting in it", e.Queue)
	}
	return fmt.Sprintf("queue %q: %d customers are waiting in it", e.Queue, e.Waiting)
}

func (e *QueueInUseError) Is(target error) bool { return target == ErrInUse }

// QueueRequest is one customer's wait for help: in a queue, or offered to
// one CSR after a transfer. The fields marked "read" come from the queue
// and the accounts the request names, and are ignored on writes.
type QueueRequest struct {
	ID               string
	QueueID          string // "" for an offer to one CSR
	QueueName        string // read
	QueueDisplayName string // read
	OfferedTo        string // user id of the CSR it is offered to, or ""
	OfferedToName    string // read
	OfferedToEmail   string // read

	// What the customer gave (see queue.CheckCustomer), and where from.
	Name, Email, Problem, Referrer string
	Addr                           string

	// TokenHash is the customer's token, for a new request: it is the
	// participant token of the customer once the request is accepted. A
	// transferred session's request has none (its customer is in the
	// session already).
	TokenHash     []byte
	SessionID     string // the session it became, or that was transferred
	ParticipantID string // the customer's place in that session

	State          string
	RequestedAt    time.Time // when it joined the line
	AcceptedAt     time.Time
	AcceptedBy     string // user id
	AcceptedByName string // read
	// EndedAt is when the request left the line without being accepted
	// (abandoned), or when its accepted session was transferred on; zero
	// otherwise (an accepted session's end is the session's).
	EndedAt time.Time

	TransferredFrom   string // the request of the session before the transfer
	TransferredBy     string // user id of the CSR who transferred it
	TransferredByName string // read
	Message           string // the transferring CSR's personal message

	SessionEndedAt time.Time // read: the end of SessionID; zero while live
}

// Outcome is the request as the queue reports count it, at now. A request
// without a token of its own is a transferred session's.
func (r QueueRequest) Outcome(now time.Time) queue.Outcome {
	o := queue.Outcome{Queue: r.QueueName, Referrer: r.Referrer, Transfer: len(r.TokenHash) == 0,
		State: r.State, Waited: r.Waited(now), RequestedAt: r.RequestedAt}
	switch {
	case r.State == RequestTransferred && !r.EndedAt.IsZero():
		o.Session, o.SessionOver = r.EndedAt.Sub(r.AcceptedAt), true
	case r.State == RequestAccepted && !r.SessionEndedAt.IsZero():
		o.Session, o.SessionOver = r.SessionEndedAt.Sub(r.AcceptedAt), true
	}
	return o
}

// Waited is how long the request waited: until it was accepted, until it
// was abandoned, or until now.
func (r QueueRequest) Waited(now time.Time) time.Duration {
	switch {
	case !r.AcceptedAt.IsZero():
		return r.AcceptedAt.Sub(r.RequestedAt)
	case r.State == RequestAbandoned && !r.EndedAt.IsZero():
		return r.EndedAt.Sub(r.RequestedAt)
	}
	return now.Sub(r.RequestedAt)
}

// WaitingFilter selects the waiting requests of WaitingRequests: those of
// one queue, or those offered to one CSR, or (both empty) every one.
type WaitingFilter struct {
	QueueID   string
	OfferedTo string
}

// QueueRequestFilter selects requests for the queue reports. Zero fields
// do not filter.
type QueueRequestFilter struct {
	From, To time.Time // RequestedAt in [From, To)
	QueueID  string
}

// QueueAcceptance is a CSR accepting a new customer's request: the
// request is claimed, and the session it becomes is created with its
// first participants and events, in one transaction.
type QueueAcceptance struct {
	RequestID string
	UserID    string // the accepting CSR
	At        time.Time
	// MaxHosted > 0 refuses with a *HostLimitError when the CSR already
	// hosts that many live sessions, as CreateHostedSession does.
	MaxHosted int
	Session   Session
	// Participants are the host first, then the customer, whose
	// TokenHash the store fills in from the request's.
	Participants []Participant
	Events       []Event
}

// ---- queues ----

const queueCols = `id, name, display_name, created_at, removed_at`

func scanQueue(row scanner, extra ...any) (Queue, error) {
	var q Queue
	var created, removed int64
	err := row.Scan(append([]any{&q.ID, &q.Name, &q.DisplayName, &created, &removed}, extra...)...)
	q.CreatedAt, q.RemovedAt = fromMillis(created), fromMillis(removed)
	return q, err
}

func (s *sqlStore) AddQueue(ctx context.Context, name, displayName string, at time.Time) (Queue, error) {
	name, err := queue.CheckName(name)
	if err != nil {
		return Queue{}, fmt.Errorf("store: add queue: %w", err)
	}
	if displayName, err = queue.CheckDisplayName(displayName, name); err != nil {
		return Queue{}, fmt.Errorf("store: add queue %q: %w", name, err)
	}
	q := Queue{ID: NewID("que_"), Name: name, DisplayName: displayName, CreatedAt: at}
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO queues (`+queueCols+`) VALUES (?, ?, ?, ?, 0)`),
		q.ID, q.Name, q.DisplayName, toMillis(at))
	if v, _ := constraintError(err); v == uniqueViolation {
		return Queue{}, fmt.Errorf("store: add queue %q: %w", name, ErrExists)
	} else if err != nil {
		return Queue{}, fmt.Errorf("store: add queue %q: %w", name, err)
	}
	return q, nil
}

// queueWithMembers reads queues with their member counts.
const queueWithMembers = `SELECT q.id, q.name, q.display_name, q.created_at, q.removed_at,
		(SELECT COUNT(*) FROM queue_members m WHERE m.queue_id = q.id)
	FROM queues q`

func scanQueueMembers(r scanner) (Queue, error) {
	var n int
	q, err := scanQueue(r, &n)
	q.Members = n
	return q, err
}

func (s *sqlStore) Queues(ctx context.Context) ([]Queue, error) {
	rows, err := s.r.QueryContext(ctx, queueWithMembers+` WHERE q.removed_at = 0 ORDER BY q.name`)
	if err != nil {
		return nil, fmt.Errorf("store: queues: %w", err)
	}
	return collect(rows, "queues", scanQueueMembers)
}

func (s *sqlStore) QueueByName(ctx context.Context, name string) (Queue, error) {
	q, err := scanQueueMembers(s.r.QueryRowContext(ctx, s.d.rebind(queueWithMembers+` WHERE q.name = ? AND q.removed_at = 0`), foldQueueName(name)))
	return q, notFound(err, "queue %q", name)
}

func (s *sqlStore) QueueByID(ctx context.Context, id string) (Queue, error) {
	q, err := scanQueueMembers(s.r.QueryRowContext(ctx, s.d.rebind(queueWithMembers+` WHERE q.id = ?`), id))
	return q, notFound(err, "queue id %q", id)
}

// foldQueueName is how a name given by a person is looked up: names are
// stored in lower case (queue.CheckName), and one that CheckName refuses
// names no queue.
func foldQueueName(name string) string {
	n, err := queue.CheckName(name)
	if err != nil {
		return ""
	}
	return n
}

// RemoveQueue marks the queue removed, and drops its members. The check
// for waiting customers and the removal are one transaction that locks
// the queue's row, which AddQueueRequest locks too: a customer cannot
// slip into a queue being removed.
func (s *sqlStore) RemoveQueue(ctx context.Context, name string, at time.Time) error {
	return s.Tx(ctx, func(w Writer) error {
		tw := w.(*writer)
		id, err := tw.lockQueue(ctx, foldQueueName(name))
		if err != nil {
			return fmt.Errorf("store: remove queue %q: %w", name, err)
		}
		var waiting int
		if err := tw.q.QueryRowContext(ctx, tw.d.rebind(`SELECT COUNT(*) FROM queue_requests WHERE queue_id = ? AND state = ?`),
			id, RequestWaiting).Scan(&waiting); err != nil {
			return fmt.Errorf("store: remove queue %q: %w", name, err)
		}
		if waiting > 0 {
			return fmt.Errorf("store: remove queue: %w", &QueueInUseError{Queue: foldQueueName(name), Waiting: waiting})
		}
		if _, err := tw.exec(ctx, `DELETE FROM queue_members WHERE queue_id = ?`, id); err != nil {
			return fmt.Errorf("store: remove queue %q: members: %w", name, err)
		}
		return tw.execOne(ctx, fmt.Sprintf("remove queue %q", name), `UPDATE queues SET removed_at = ? WHERE id = ?`, toMillis(at), id)
	})
}

// lockQueue returns the id of the live queue of that (folded) name, and
// locks its row until the transaction ends (on PostgreSQL; SQLite's
// transaction holds the whole database).
func (w *writer) lockQueue(ctx context.Context, name string) (string, error) {
	var id string
	err := w.q.QueryRowContext(ctx, w.d.rebind(`SELECT id FROM queues WHERE name = ? AND removed_at = 0`+w.d.forUpdate), name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// ---- members ----

// memberIDs finds a live queue and an account by the names people use.
func (s *sqlStore) memberIDs(ctx context.Context, queueName, email string) (string, string, error) {
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return "", "", err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return "", "", err
	}
	return q.ID, u.ID, nil
}

func (s *sqlStore) AddQueueMember(ctx context.Context, queueName, email string, at time.Time) error {
	qid, uid, err := s.memberIDs(ctx, queueName, email)
	if err != nil {
		return fmt.Errorf("store: add member to queue: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO queue_members (queue_id, user_id, added_at) VALUES (?, ?, ?)`),
		qid, uid, toMillis(at))
	switch v, _ := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation:
		return fmt.Errorf("store: add %q to queue %q: %w", email, queueName, ErrExists)
	case v == foreignKeyViolation: // removed meanwhile
		return fmt.Errorf("store: add %q to queue %q: %w", email, queueName, ErrNotFound)
	default:
		return fmt.Errorf("store: add %q to queue %q: %w", email, queueName, err)
	}
}

func (s *sqlStore) RemoveQueueMember(ctx context.Context, queueName, email string) error {
	qid, uid, err := s.memberIDs(ctx, queueName, email)
	if err != nil {
		return fmt.Errorf("store: remove member from queue: %w", err)
	}
	return s.writer.execOne(ctx, fmt.Sprintf("remove %q from queue %q", email, queueName),
		`DELETE FROM queue_members WHERE queue_id = ? AND user_id = ?`, qid, uid)
}

func (s *sqlStore) QueueMembers(ctx context.Context, queueName string) ([]User, error) {
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT `+prefixed("u.", userCols)+` FROM users u
		JOIN queue_members m ON m.user_id = u.id WHERE m.queue_id = ? ORDER BY u.email`), q.ID)
	if err != nil {
		return nil, fmt.Errorf("store: members of queue %q: %w", queueName, err)
	}
	return collect(rows, "queue members", scanUser)
}

func (s *sqlStore) MemberQueues(ctx context.Context, userID string) ([]Queue, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(queueWithMembers+`
		JOIN queue_members me ON me.queue_id = q.id
		WHERE me.user_id = ? AND q.removed_at = 0 ORDER BY q.name`), userID)
	if err != nil {
		return nil, fmt.Errorf("store: queues of user id %q: %w", userID, err)
	}
	return collect(rows, "member queues", scanQueueMembers)
}

func (s *sqlStore) IsQueueMember(ctx context.Context, queueID, userID string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM queue_members WHERE queue_id = ? AND user_id = ?`),
		queueID, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: membership of user id %q in queue id %q: %w", userID, queueID, err)
	}
	return n > 0, nil
}

// ---- requests ----

const requestCols = `r.id, COALESCE(r.queue_id, ''), COALESCE(q.name, ''), COALESCE(q.display_name, ''),
	COALESCE(r.offered_to, ''), COALESCE(o.name, ''), COALESCE(o.email, ''),
	r.name, r.email, r.problem, r.referrer, r.addr, r.token_hash,
	COALESCE(r.session_id, ''), COALESCE(r.participant_id, ''), r.state,
	r.requested_at, r.accepted_at, COALESCE(r.accepted_by, ''), COALESCE(a.name, ''), r.ended_at,
	COALESCE(r.transferred_from, ''), COALESCE(r.transferred_by, ''), COALESCE(t.name, ''), r.message,
	COALESCE(s.ended_at, 0)`

const requestFrom = ` FROM queue_requests r
	LEFT JOIN queues q ON q.id = r.queue_id
	LEFT JOIN users o ON o.id = r.offered_to
	LEFT JOIN users a ON a.id = r.accepted_by
	LEFT JOIN users t ON t.id = r.transferred_by
	LEFT JOIN sessions s ON s.id = r.session_id`

func scanRequest(row scanner) (QueueRequest, error) {
	var r QueueRequest
	var requested, accepted, ended, sessionEnded int64
	err := row.Scan(&r.ID, &r.QueueID, &r.QueueName, &r.QueueDisplayName,
		&r.OfferedTo, &r.OfferedToName, &r.OfferedToEmail,
		&r.Name, &r.Email, &r.Problem, &r.Referrer, &r.Addr, &r.TokenHash,
		&r.SessionID, &r.ParticipantID, &r.State,
		&requested, &accepted, &r.AcceptedBy, &r.AcceptedByName, &ended,
		&r.TransferredFrom, &r.TransferredBy, &r.TransferredByName, &r.Message, &sessionEnded)
	r.RequestedAt, r.AcceptedAt, r.EndedAt = fromMillis(requested), fromMillis(accepted), fromMillis(ended)
	r.SessionEndedAt = fromMillis(sessionEnded)
	return r, err
}

// CreateQueueRequest stores a new waiting request; see AddQueueRequest.
func (s *sqlStore) CreateQueueRequest(ctx context.Context, r QueueRequest) error {
	return s.Tx(ctx, func(w Writer) error { return w.AddQueueRequest(ctx, r) })
}

// AddQueueRequest stores a waiting request, in a queue (QueueID) or
// offered to one CSR (OfferedTo). The customer's details are checked as
// queue.CheckCustomer does, or CheckTransferred for a session's customer. The queue must exist, and is locked until the
// transaction ends (see RemoveQueue): ErrNotFound when it does not.
func (w *writer) AddQueueRequest(ctx context.Context, r QueueRequest) error {
	if r.ID == "" || r.RequestedAt.IsZero() {
		return fmt.Errorf("store: add queue request: id and time are required")
	}
	if (r.QueueID == "") == (r.OfferedTo == "") {
		return fmt.Errorf("store: add queue request %q: give a queue or a CSR to offer it to, not both", r.ID)
	}
	check := queue.CheckCustomer
	if r.SessionID != "" {
		check = queue.CheckTransferred
	}
	c, err := check(queue.Customer{Name: r.Name, Email: r.Email, Problem: r.Problem, Referrer: r.Referrer})
	if err != nil {
		return fmt.Errorf("store: add queue request %q: %w", r.ID, err)
	}
	if r.Message, err = queue.CheckMessage(r.Message); err != nil {
		return fmt.Errorf("store: add queue request %q: %w", r.ID, err)
	}
	if r.QueueID != "" {
		var id string
		err := w.q.QueryRowContext(ctx, w.d.rebind(`SELECT id FROM queues WHERE id = ? AND removed_at = 0`+w.d.forUpdate), r.QueueID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: add queue request %q: queue id %q: %w", r.ID, r.QueueID, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("store: add queue request %q: lock queue: %w", r.ID, err)
		}
	}
	_, err = w.exec(ctx, `INSERT INTO queue_requests (id, queue_id, offered_to, name, email, problem, referrer, addr,
			token_hash, session_id, participant_id, state, requested_at, transferred_from, transferred_by, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, nullIfEmpty(r.QueueID), nullIfEmpty(r.OfferedTo), c.Name, c.Email, c.Problem, c.Referrer, r.Addr,
		nullIfEmpty(r.TokenHash), nullIfEmpty(r.SessionID), nullIfEmpty(r.ParticipantID), RequestWaiting, toMillis(r.RequestedAt),
		nullIfEmpty(r.TransferredFrom), nullIfEmpty(r.TransferredBy), r.Message)
	switch v, _ := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation:
		return fmt.Errorf("store: add queue request %q: id or token: %w", r.ID, ErrExists)
	case v == foreignKeyViolation:
		return fmt.Errorf("store: add queue request %q: the CSR, session or earlier request it names: %w", r.ID, ErrNotFound)
	default:
		return fmt.Errorf("store: add queue request %q: %w", r.ID, err)
	}
}

func (s *sqlStore) QueueRequestByID(ctx context.Context, id string) (QueueRequest, error) {
	r, err := scanRequest(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+requestCols+requestFrom+` WHERE r.id = ?`), id))
	return r, notFound(err, "queue request %q", id)
}

func (s *sqlStore) QueueRequestByTokenHash(ctx context.Context, hash []byte) (QueueRequest, error) {
	if len(hash) == 0 {
		return QueueRequest{}, fmt.Errorf("store: queue request by empty token: %w", ErrNotFound)
	}
	r, err := scanRequest(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+requestCols+requestFrom+` WHERE r.token_hash = ?`), hash))
	// The hash is a secret's digest: kept out of error messages.
	return r, notFound(err, "queue request token")
}

// WaitingRequests returns the waiting requests f selects, in the order of
// the line (of each queue, for all of them).
func (s *sqlStore) WaitingRequests(ctx context.Context, f WaitingFilter) ([]QueueRequest, error) {
	q := `SELECT ` + requestCols + requestFrom + ` WHERE r.state = ?`
	args := []any{RequestWaiting}
	switch {
	case f.QueueID != "" && f.OfferedTo != "":
		return nil, fmt.Errorf("store: waiting requests: a queue or a CSR, not both")
	case f.QueueID != "":
		q += ` AND r.queue_id = ?`
		args = append(args, f.QueueID)
	case f.OfferedTo != "":
		q += ` AND r.offered_to = ?`
		args = append(args, f.OfferedTo)
	}
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q+` ORDER BY r.entry`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: waiting requests: %w", err)
	}
	return collect(rows, "waiting requests", scanRequest)
}

func (s *sqlStore) QueueRequestsOfSession(ctx context.Context, sessionID string) ([]QueueRequest, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT `+requestCols+requestFrom+` WHERE r.session_id = ? ORDER BY r.entry`), sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: queue requests of session %q: %w", sessionID, err)
	}
	return collect(rows, "queue requests of session", scanRequest)
}

func (s *sqlStore) ListQueueRequests(ctx context.Context, f QueueRequestFilter) ([]QueueRequest, error) {
	q := `SELECT ` + requestCols + requestFrom + ` WHERE 1 = 1`
	var args []any
	if !f.From.IsZero() {
		q += ` AND r.requested_at >= ?`
		args = append(args, toMillis(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND r.requested_at < ?`
		args = append(args, toMillis(f.To))
	}
	if f.QueueID != "" {
		q += ` AND r.queue_id = ?`
		args = append(args, f.QueueID)
	}
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q+` ORDER BY r.requested_at, r.entry`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list queue requests: %w", err)
	}
	return collect(rows, "list queue requests", scanRequest)
}

func (s *sqlStore) QueueRequestsOfSessions(ctx context.Context, from, to time.Time) ([]QueueRequest, error) {
	q := `SELECT ` + requestCols + requestFrom + ` WHERE r.session_id IS NOT NULL`
	var args []any
	if !from.IsZero() {
		q += ` AND s.created_at >= ?`
		args = append(args, toMillis(from))
	}
	if !to.IsZero() {
		q += ` AND s.created_at < ?`
		args = append(args, toMillis(to))
	}
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q+` ORDER BY r.entry`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: queue requests of sessions: %w", err)
	}
	return collect(rows, "queue requests of sessions", scanRequest)
}

// RecentWaits returns how long the queue's latest n accepted requests
// waited, the latest first (for queue.Estimate).
func (s *sqlStore) RecentWaits(ctx context.Context, queueID string, n int) ([]time.Duration, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT requested_at, accepted_at FROM queue_requests
		WHERE queue_id = ? AND accepted_at > 0 ORDER BY accepted_at DESC, entry DESC LIMIT ?`), queueID, n)
	if err != nil {
		return nil, fmt.Errorf("store: recent waits of queue id %q: %w", queueID, err)
	}
	return collect(rows, "recent waits", func(r scanner) (time.Duration, error) {
		var requested, accepted int64
		err := r.Scan(&requested, &accepted)
		return time.Duration(accepted-requested) * time.Millisecond, err
	})
}

// ClaimQueueRequest is a conditional update, so that of two CSRs accepting
// the same request at the same moment exactly one gets it, whatever holds
// them; the other gets ErrNotWaiting.
func (w *writer) ClaimQueueRequest(ctx context.Context, id, userID string, at time.Time, sessionID, participantID string) error {
	if userID == "" || at.IsZero() || sessionID == "" {
		return fmt.Errorf("store: claim queue request %q: user, time and session are required", id)
	}
	err := w.execOne(ctx, fmt.Sprintf("claim queue request %q", id),
		`UPDATE queue_requests SET state = ?, accepted_at = ?, accepted_by = ?, session_id = ?, participant_id = ?
		WHERE id = ? AND state = ?`,
		RequestAccepted, toMillis(at), userID, sessionID, nullIfEmpty(participantID), id, RequestWaiting)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: claim queue request %q: %w", id, ErrNotWaiting)
	}
	return err
}

// AbandonQueueRequest records that the customer of a waiting request left
// the line at at: ErrNotWaiting when it is not waiting any more.
func (w *writer) AbandonQueueRequest(ctx context.Context, id string, at time.Time) error {
	err := w.execOne(ctx, fmt.Sprintf("abandon queue request %q", id),
		`UPDATE queue_requests SET state = ?, ended_at = ? WHERE id = ? AND state = ?`,
		RequestAbandoned, toMillis(at), id, RequestWaiting)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: abandon queue request %q: %w", id, ErrNotWaiting)
	}
	return err
}

// SetQueueRequestTransferred ends an accepted request whose session was
// transferred on at at; ErrNotFound when there is no such accepted request.
func (w *writer) SetQueueRequestTransferred(ctx context.Context, id string, at time.Time) error {
	return w.execOne(ctx, fmt.Sprintf("set queue request %q transferred", id),
		`UPDATE queue_requests SET state = ?, ended_at = ? WHERE id = ? AND state = ?`,
		RequestTransferred, toMillis(at), id, RequestAccepted)
}

// CheckHostLimit refuses, with a *HostLimitError, a CSR who already hosts
// max live sessions; see checkHosted.
func (w *writer) CheckHostLimit(ctx context.Context, userID string, max int) error {
	if max < 1 {
		return fmt.Errorf("store: check host limit of user id %q: a limit of %d hosted sessions allows none", userID, max)
	}
	return w.checkHosted(ctx, "", userID, max)
}

// AcceptQueueRequest claims a waiting request and creates the session it
// becomes, in one transaction: either the customer has a session with the
// CSR, or nothing happened and the customer still waits. ErrNotWaiting
// when someone else took the request, or it was given up; ErrNumberTaken
// when the session's number is live (draw another and try again).
func (s *sqlStore) AcceptQueueRequest(ctx context.Context, a QueueAcceptance) error {
	if len(a.Participants) != 2 || a.Participants[0].Role != RoleHost || a.Participants[1].Role != RolePrimary {
		return fmt.Errorf("store: accept queue request %q: want the host and the primary customer", a.RequestID)
	}
	host, cust := a.Participants[0], a.Participants[1]
	if err := checkNewSession(&a.Session, &host); err != nil {
		return err
	}
	return s.Tx(ctx, func(w Writer) error {
		tw := w.(*writer)
		if a.MaxHosted > 0 {
			if err := tw.checkHosted(ctx, a.Session.ID, host.UserID, a.MaxHosted); err != nil {
				return err
			}
		}
		var hash []byte
		var state string
		err := tw.q.QueryRowContext(ctx, tw.d.rebind(`SELECT token_hash, state FROM queue_requests WHERE id = ?`+tw.d.forUpdate),
			a.RequestID).Scan(&hash, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: accept queue request %q: %w", a.RequestID, ErrNotFound)
		case err != nil:
			return fmt.Errorf("store: accept queue request %q: %w", a.RequestID, err)
		case state != RequestWaiting:
			return fmt.Errorf("store: accept queue request %q: %w", a.RequestID, ErrNotWaiting)
		case len(hash) == 0:
			return fmt.Errorf("store: accept queue request %q: it has no customer token; it belongs to a session already", a.RequestID)
		}
		if err := tw.insertSession(ctx, a.Session); err != nil {
			return err
		}
		if err := w.AddParticipant(ctx, host); err != nil {
			return err
		}
		cust.SessionID, cust.TokenHash = a.Session.ID, hash
		if err := w.AddParticipant(ctx, cust); err != nil {
			return err
		}
		for _, e := range a.Events {
			if err := w.AppendEvent(ctx, e); err != nil {
				return err
			}
		}
		return w.ClaimQueueRequest(ctx, a.RequestID, a.UserID, a.At, a.Session.ID, cust.ID)
	})
}

// prefixed qualifies every column of a column list with a table alias.
func prefixed(alias, cols string) string {
	var out []byte
	start := true
	for i := 0; i < len(cols); i++ {
		c := cols[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			out = append(out, alias...)
			start = false
		}
		out = append(out, c)
		if c == ',' {
			start = true
		}
	}
	return string(out)
}
