package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Times are stored as BIGINT Unix milliseconds, 0 for the zero time, and
// come back in UTC: the one representation that both databases compare and
// index the same way. Sub-millisecond precision is dropped.
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullIfEmpty stores absent optional values as NULL, which a UNIQUE or
// REFERENCES column needs: an empty string would collide with other empty
// strings, or point at a user that does not exist.
func nullIfEmpty[T string | []byte](v T) any {
	if len(v) == 0 {
		return nil
	}
	return v
}

// normEmail is how emails are stored and looked up. It is done in Go because
// SQLite's lower() folds only ASCII.
func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// querier is what *sql.DB and *sql.Tx have in common, so that one set of
// writer methods serves both the Store and its transactions.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlStore struct {
	writer // bound to w, where each write is a transaction of its own
	d      *dialect
	r, w   *sql.DB // one pool on PostgreSQL; two on SQLite, see openSQLite
}

func newSQLStore(d *dialect, r, w *sql.DB) *sqlStore {
	return &sqlStore{writer: writer{q: w, d: d}, d: d, r: r, w: w}
}

func (s *sqlStore) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Tx runs fn in one transaction. fn must write only through the Writer it is
// given: on SQLite the transaction holds the only write connection, so a
// write through the Store itself would wait for fn forever.
//
// A failed write inside fn fails the whole transaction even if fn ignores
// the error and returns nil. PostgreSQL would refuse to commit after a
// failed statement anyway; doing the same on SQLite keeps the backends
// alike and keeps a rule's effects from being half-applied.
func (s *sqlStore) Tx(ctx context.Context, fn func(w Writer) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback() //nolint:errcheck // the error that got us here matters more
		}
	}()

	w := &writer{q: tx, d: s.d, tx: true}
	if err := fn(w); err != nil {
		return err // fn's own error, untouched, so callers can match on it
	}
	if failed := w.firstFailure(); failed != nil {
		return fmt.Errorf("store: transaction rolled back after a failed write: %w", failed)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}

// writer implements Writer on a pool or on one transaction.
type writer struct {
	q querier
	d *dialect

	// tx is set for a writer bound to a transaction, which then remembers in
	// failed the first statement the database rejected; see Tx. Only such
	// errors count: a zero-row update (ErrNotFound) or an argument refused
	// before reaching the database leaves a PostgreSQL transaction usable,
	// and is the caller's to handle.
	tx     bool
	mu     sync.Mutex
	failed error
}

func (w *writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := w.q.ExecContext(ctx, w.d.rebind(query), args...)
	if err != nil && w.tx {
		w.mu.Lock()
		if w.failed == nil {
			w.failed = err
		}
		w.mu.Unlock()
	}
	return res, err
}

func (w *writer) firstFailure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// execOne runs an UPDATE that must hit a row, reporting ErrNotFound (wrapped
// in what) when it hits none.
func (w *writer) execOne(ctx context.Context, what string, query string, args ...any) error {
	res, err := w.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

func validParticipantRole(role string) bool {
	switch role {
	case RoleHost, RoleAssistant, RolePrimary, RoleSecondary:
		return true
	}
	return false
}

func (w *writer) AddParticipant(ctx context.Context, p Participant) error {
	if p.ID == "" || p.SessionID == "" {
		return fmt.Errorf("store: add participant: id and session id are required")
	}
	if !validParticipantRole(p.Role) {
		return fmt.Errorf("store: add participant %q: invalid role %q", p.ID, p.Role)
	}
	_, err := w.exec(ctx, `INSERT INTO participants
		(id, session_id, user_id, name, email, role, token_hash, addr, joined_at, left_at, restart_until, resumed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.SessionID, nullIfEmpty(p.UserID), p.Name, p.Email, p.Role, nullIfEmpty(p.TokenHash),
		p.Addr, toMillis(p.JoinedAt), toMillis(p.LeftAt), toMillis(p.RestartUntil), boolInt(p.Resumed))
	switch v, _ := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation:
		return fmt.Errorf("store: add participant %q: id or token: %w", p.ID, ErrExists)
	case v == foreignKeyViolation:
		return fmt.Errorf("store: add participant %q: session %q or user %q: %w", p.ID, p.SessionID, p.UserID, ErrNotFound)
	default:
		return fmt.Errorf("store: add participant %q: %w", p.ID, err)
	}
}

func (w *writer) SetParticipantRole(ctx context.Context, participantID, role string) error {
	if !validParticipantRole(role) {
		return fmt.Errorf("store: set role of participant %q: invalid role %q", participantID, role)
	}
	return w.execOne(ctx, fmt.Sprintf("set role of participant %q", participantID),
		`UPDATE participants SET role = ? WHERE id = ?`, role, participantID)
}

func (w *writer) SetParticipantLeft(ctx context.Context, participantID string, at time.Time) error {
	return w.execOne(ctx, fmt.Sprintf("set participant %q left", participantID),
		`UPDATE participants SET left_at = ? WHERE id = ?`, toMillis(at), participantID)
}

func (w *writer) SetParticipantRestart(ctx context.Context, participantID string, until time.Time, resumed bool) error {
	return w.execOne(ctx, fmt.Sprintf("set restart of participant %q", participantID),
		`UPDATE participants SET restart_until = ?, resumed = ? WHERE id = ?`, toMillis(until), boolInt(resumed), participantID)
}

func (w *writer) SetParticipantToken(ctx context.Context, participantID string, hash []byte) error {
	if len(hash) == 0 {
		return fmt.Errorf("store: set token of participant %q: the token hash is empty", participantID)
	}
	err := w.execOne(ctx, fmt.Sprintf("set token of participant %q", participantID),
		`UPDATE participants SET token_hash = ? WHERE id = ?`, hash, participantID)
	if v, _ := constraintError(err); v == uniqueViolation {
		return fmt.Errorf("store: set token of participant %q: %w", participantID, ErrExists)
	}
	return err
}

func (w *writer) AddResumeToken(ctx context.Context, t ResumeToken) error {
	if len(t.Hash) == 0 || t.ParticipantID == "" || t.SessionID == "" {
		return fmt.Errorf("store: add resume token: hash, participant and session are required")
	}
	if t.ExpiresAt.IsZero() {
		return fmt.Errorf("store: add resume token for participant %q: no expiry", t.ParticipantID)
	}
	if _, err := w.exec(ctx, `DELETE FROM resume_tokens WHERE participant_id = ? AND used_at = 0`, t.ParticipantID); err != nil {
		return fmt.Errorf("store: add resume token for participant %q: drop earlier ones: %w", t.ParticipantID, err)
	}
	_, err := w.exec(ctx, `INSERT INTO resume_tokens (hash, participant_id, session_id, created_at, expires_at, used_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		t.Hash, t.ParticipantID, t.SessionID, toMillis(t.CreatedAt), toMillis(t.ExpiresAt), toMillis(t.UsedAt))
	switch v, _ := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation:
		return fmt.Errorf("store: add resume token for participant %q: %w", t.ParticipantID, ErrExists)
	case v == foreignKeyViolation:
		return fmt.Errorf("store: add resume token: participant %q or session %q: %w", t.ParticipantID, t.SessionID, ErrNotFound)
	default:
		return fmt.Errorf("store: add resume token for participant %q: %w", t.ParticipantID, err)
	}
}

// UseResumeToken is a conditional update, so that of two uses at the same
// moment exactly one succeeds, whatever holds them.
func (w *writer) UseResumeToken(ctx context.Context, hash []byte, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("store: use resume token: no time of use")
	}
	// The hash is a secret's digest: kept out of error messages.
	return w.execOne(ctx, "use resume token",
		`UPDATE resume_tokens SET used_at = ? WHERE hash = ? AND used_at = 0`, toMillis(at), hash)
}

func (w *writer) AppendEvent(ctx context.Context, e Event) error {
	switch e.Audience {
	case AudienceAll, AudiencePrivate, AudienceCSR:
	default:
		// Refused rather than stored: a report filtering on audience would
		// otherwise have to guess who may see it.
		return fmt.Errorf("store: append event %s#%d: invalid audience %q", e.SessionID, e.Seq, e.Audience)
	}
	if e.Seq < 1 {
		return fmt.Errorf("store: append event %s#%d: seq must be at least 1", e.SessionID, e.Seq)
	}
	data := "{}"
	if len(e.Data) > 0 {
		if !json.Valid(e.Data) {
			return fmt.Errorf("store: append event %s#%d: data is not valid JSON", e.SessionID, e.Seq)
		}
		data = string(e.Data)
	}
	_, err := w.exec(ctx, `INSERT INTO events
		(session_id, seq, occurred_at, type, actor, target, audience, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.SessionID, e.Seq, toMillis(e.At), e.Type, e.Actor, e.Target, e.Audience, data)
	switch v, _ := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation:
		return fmt.Errorf("store: append event %s#%d: %w", e.SessionID, e.Seq, ErrExists)
	case v == foreignKeyViolation:
		return fmt.Errorf("store: append event: session %q: %w", e.SessionID, ErrNotFound)
	default:
		return fmt.Errorf("store: append event %s#%d: %w", e.SessionID, e.Seq, err)
	}
}

func (w *writer) SetNotes(ctx context.Context, sessionID, notes string) error {
	return w.execOne(ctx, fmt.Sprintf("set notes of session %q", sessionID),
		`UPDATE sessions SET notes = ? WHERE id = ?`, notes, sessionID)
}

// EndSession is idempotent: ending an ended session keeps the first end time
// and reason, since the first end is the one that happened.
func (w *writer) EndSession(ctx context.Context, sessionID string, at time.Time, reason string) error {
	res, err := w.exec(ctx, `UPDATE sessions SET state = ?, ended_at = ?, end_reason = ?
		WHERE id = ? AND state = ?`,
		StateEnded, toMillis(at), reason, sessionID, StateLive)
	if err != nil {
		return fmt.Errorf("store: end session %q: %w", sessionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: end session %q: %w", sessionID, err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = w.q.QueryRowContext(ctx, w.d.rebind(`SELECT 1 FROM sessions WHERE id = ?`), sessionID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: end session %q: %w", sessionID, err)
	}
	return nil
}

// ---- users ----

const userCols = `id, email, name, role, password_hash, disabled, failed_logins, locked_until, created_at,
	session_mode, max_customers`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (User, error) {
	var u User
	var disabled int
	var locked, created int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &disabled, &u.FailedLogins, &locked, &created,
		&u.Limits.SessionMode, &u.Limits.MaxCustomers)
	u.Disabled = disabled != 0
	u.LockedUntil = fromMillis(locked)
	u.CreatedAt = fromMillis(created)
	return u, err
}

func (s *sqlStore) CreateUser(ctx context.Context, u User) error {
	email := normEmail(u.Email)
	if u.ID == "" || email == "" {
		return fmt.Errorf("store: create user: id and email are required")
	}
	if !ValidUserRole(u.Role) {
		return fmt.Errorf("store: create user %q: invalid role %q", email, u.Role)
	}
	if err := u.Limits.Validate(); err != nil {
		return fmt.Errorf("store: create user %q: %w", email, err)
	}
	_, err := s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO users (`+userCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		u.ID, email, u.Name, u.Role, u.PasswordHash, boolInt(u.Disabled), u.FailedLogins,
		toMillis(u.LockedUntil), toMillis(u.CreatedAt), u.Limits.SessionMode, u.Limits.MaxCustomers)
	if v, _ := constraintError(err); v == uniqueViolation {
		return fmt.Errorf("store: create user %q: %w", email, ErrExists)
	} else if err != nil {
		return fmt.Errorf("store: create user %q: %w", email, err)
	}
	return nil
}

func (s *sqlStore) UserByEmail(ctx context.Context, email string) (User, error) {
	email = normEmail(email)
	u, err := scanUser(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+userCols+` FROM users WHERE email = ?`), email))
	return u, notFound(err, "user %q", email)
}

func (s *sqlStore) UserByID(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
	return u, notFound(err, "user id %q", id)
}

func (s *sqlStore) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return collect(rows, "list users", scanUser)
}

func (s *sqlStore) SetUserDisabled(ctx context.Context, email string, disabled bool) error {
	email = normEmail(email)
	return s.writer.execOne(ctx, fmt.Sprintf("set user %q disabled", email),
		`UPDATE users SET disabled = ? WHERE email = ?`, boolInt(disabled), email)
}

func (s *sqlStore) SetPasswordHash(ctx context.Context, email, hash string) error {
	email = normEmail(email)
	return s.writer.execOne(ctx, fmt.Sprintf("set password of user %q", email),
		`UPDATE users SET password_hash = ? WHERE email = ?`, hash, email)
}

func (s *sqlStore) SetLoginState(ctx context.Context, userID string, failures int, lockedUntil time.Time) error {
	return s.writer.execOne(ctx, fmt.Sprintf("set login state of user id %q", userID),
		`UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`,
		failures, toMillis(lockedUntil), userID)
}

// ---- tokens ----

// CreateToken refuses a token without an expiry: a bearer token that never
// expires is a bug in the caller, not a choice.
func (s *sqlStore) CreateToken(ctx context.Context, t Token) error {
	if len(t.Hash) == 0 || t.UserID == "" {
		return fmt.Errorf("store: create token: hash and user id are required")
	}
	if t.ExpiresAt.IsZero() {
		return fmt.Errorf("store: create token for user id %q: no expiry", t.UserID)
	}
	_, err := s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO tokens (hash, user_id, created_at, expires_at)
		VALUES (?, ?, ?, ?)`), t.Hash, t.UserID, toMillis(t.CreatedAt), toMillis(t.ExpiresAt))
	switch v, _ := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation:
		return fmt.Errorf("store: create token for user id %q: %w", t.UserID, ErrExists)
	case v == foreignKeyViolation:
		return fmt.Errorf("store: create token: user id %q: %w", t.UserID, ErrNotFound)
	default:
		return fmt.Errorf("store: create token for user id %q: %w", t.UserID, err)
	}
}

// TokenByHash treats a token as expired from its ExpiresAt on.
func (s *sqlStore) TokenByHash(ctx context.Context, hash []byte) (Token, error) {
	var t Token
	var created, expires int64
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT hash, user_id, created_at, expires_at
		FROM tokens WHERE hash = ? AND expires_at > ?`), hash, time.Now().UnixMilli()).
		Scan(&t.Hash, &t.UserID, &created, &expires)
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	// The hash is a secret's digest: kept out of error messages and logs.
	return t, notFound(err, "token")
}

// DeleteToken succeeds when there is no such token: logging out twice, or
// after the token expired and was purged, is not an error.
func (s *sqlStore) DeleteToken(ctx context.Context, hash []byte) error {
	if _, err := s.w.ExecContext(ctx, s.d.rebind(`DELETE FROM tokens WHERE hash = ?`), hash); err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteExpiredTokens(ctx context.Context, now time.Time) error {
	if _, err := s.w.ExecContext(ctx, s.d.rebind(`DELETE FROM tokens WHERE expires_at <= ?`), toMillis(now)); err != nil {
		return fmt.Errorf("store: delete expired tokens: %w", err)
	}
	return nil
}

// ---- sessions ----

const sessionCols = `id, number, type, tracking_code, state, owner_user_id, notes, end_reason, created_at, ended_at`

func scanSession(row scanner, extra ...any) (Session, error) {
	var s Session
	var created, ended int64
	dest := append([]any{&s.ID, &s.Number, &s.Type, &s.TrackingCode, &s.State, &s.OwnerUserID,
		&s.Notes, &s.EndReason, &created, &ended}, extra...)
	err := row.Scan(dest...)
	s.CreatedAt, s.EndedAt = fromMillis(created), fromMillis(ended)
	return s, err
}

func (s *sqlStore) CreateSession(ctx context.Context, sess Session, host Participant) error {
	return s.createSession(ctx, sess, host, 0)
}

func (s *sqlStore) CreateHostedSession(ctx context.Context, sess Session, host Participant, maxHosted int) error {
	if maxHosted < 1 {
		return fmt.Errorf("store: create session %q: a limit of %d hosted sessions allows none", sess.ID, maxHosted)
	}
	if host.UserID == "" {
		return fmt.Errorf("store: create session %q: a limited session needs a host with a user id", sess.ID)
	}
	return s.createSession(ctx, sess, host, maxHosted)
}

// hostedQuery counts the live sessions where a user is the host. Role and
// left_at are kept current by the rooms (a transfer of control or a leave is
// stored before it is acknowledged), so the database is the truth here.
const hostedQuery = `SELECT COUNT(*) FROM participants p JOIN sessions s ON s.id = p.session_id
	WHERE p.user_id = ? AND p.left_at = 0 AND p.role = ? AND s.state = ?`

func (s *sqlStore) HostedSessions(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, s.d.rebind(hostedQuery), userID, RoleHost, StateLive).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: sessions hosted by user id %q: %w", userID, err)
	}
	return n, nil
}

// createSession creates a live session and its host (see checkNewSession).
// maxHosted > 0 limits the live sessions the host's user may host, this one
// included.
func (s *sqlStore) createSession(ctx context.Context, sess Session, host Participant, maxHosted int) error {
	if err := checkNewSession(&sess, &host); err != nil {
		return err
	}
	return s.Tx(ctx, func(w Writer) error {
		tw := w.(*writer)
		if maxHosted > 0 {
			if err := tw.checkHosted(ctx, sess.ID, host.UserID, maxHosted); err != nil {
				return err
			}
		}
		if err := tw.insertSession(ctx, sess); err != nil {
			return err
		}
		return w.AddParticipant(ctx, host)
	})
}

// checkNewSession fills in what a new session implies (state live, the
// host's session id and role) and refuses values that contradict it.
func checkNewSession(sess *Session, host *Participant) error {
	if sess.ID == "" || sess.Number == "" || sess.OwnerUserID == "" {
		return fmt.Errorf("store: create session: id, number and owner are required")
	}
	if sess.State == "" {
		sess.State = StateLive
	}
	if sess.State != StateLive {
		return fmt.Errorf("store: create session %q: state %q, want %q", sess.ID, sess.State, StateLive)
	}
	if host.SessionID == "" {
		host.SessionID = sess.ID
	}
	if host.Role == "" {
		host.Role = RoleHost
	}
	if host.SessionID != sess.ID || host.Role != RoleHost {
		return fmt.Errorf("store: create session %q: host must be a %q of this session, got %q of %q",
			sess.ID, RoleHost, host.Role, host.SessionID)
	}
	return nil
}

// insertSession stores a session row; ErrNumberTaken when its number is
// live already.
func (w *writer) insertSession(ctx context.Context, sess Session) error {
	_, err := w.exec(ctx, `INSERT INTO sessions (`+sessionCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.Number, sess.Type, sess.TrackingCode, sess.State, sess.OwnerUserID,
		sess.Notes, sess.EndReason, toMillis(sess.CreatedAt), toMillis(sess.EndedAt))
	switch v, detail := constraintError(err); {
	case err == nil:
		return nil
	case v == uniqueViolation && strings.Contains(detail, "number"):
		return fmt.Errorf("store: create session %q: number %s: %w", sess.ID, sess.Number, ErrNumberTaken)
	case v == uniqueViolation:
		return fmt.Errorf("store: create session %q: %w", sess.ID, ErrExists)
	case v == foreignKeyViolation:
		return fmt.Errorf("store: create session %q: owner user id %q: %w", sess.ID, sess.OwnerUserID, ErrNotFound)
	default:
		return fmt.Errorf("store: create session %q: %w", sess.ID, err)
	}
}

// checkHosted refuses a new session of userID when it already hosts
// maxHosted live sessions. It runs inside the transaction that inserts the
// session. It first locks the user's row: on PostgreSQL, two transactions
// could otherwise both count below the limit and both insert; on SQLite the
// transaction already holds the database's only write lock (BEGIN
// IMMEDIATE), which orders them just the same.
func (w *writer) checkHosted(ctx context.Context, sessionID, userID string, maxHosted int) error {
	var id string
	err := w.q.QueryRowContext(ctx, w.d.rebind(`SELECT id FROM users WHERE id = ?`+w.d.forUpdate), userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: create session %q: host user id %q: %w", sessionID, userID, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("store: create session %q: lock host user id %q: %w", sessionID, userID, err)
	}
	var n int
	if err := w.q.QueryRowContext(ctx, w.d.rebind(hostedQuery), userID, RoleHost, StateLive).Scan(&n); err != nil {
		return fmt.Errorf("store: create session %q: count sessions hosted by user id %q: %w", sessionID, userID, err)
	}
	if n >= maxHosted {
		return fmt.Errorf("store: create session %q: %w", sessionID, &HostLimitError{Hosted: n, Limit: maxHosted})
	}
	return nil
}

func (s *sqlStore) SessionByID(ctx context.Context, id string) (Session, error) {
	sess, err := scanSession(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+sessionCols+` FROM sessions WHERE id = ?`), id))
	return sess, notFound(err, "session %q", id)
}

func (s *sqlStore) LiveSessionByNumber(ctx context.Context, number string) (Session, error) {
	sess, err := scanSession(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+sessionCols+` FROM sessions
		WHERE number = ? AND state = ?`), number, StateLive))
	return sess, notFound(err, "live session number %s", number)
}

func (s *sqlStore) LiveSessions(ctx context.Context) ([]Session, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT `+sessionCols+` FROM sessions
		WHERE state = ? ORDER BY created_at, id`), StateLive)
	if err != nil {
		return nil, fmt.Errorf("store: live sessions: %w", err)
	}
	return collect(rows, "live sessions", func(r scanner) (Session, error) { return scanSession(r) })
}

func (s *sqlStore) ListSessions(ctx context.Context, f SessionFilter) ([]SessionSummary, error) {
	// The first customer is picked by a correlated subquery, which both
	// databases run as one index probe per session (participants_session).
	q := `SELECT s.id, s.number, s.type, s.tracking_code, s.state, s.owner_user_id, s.notes,
			s.end_reason, s.created_at, s.ended_at,
			COALESCE(u.name, ''), COALESCE(u.email, ''),
			COALESCE(c.name, ''), COALESCE(c.email, ''), COALESCE(c.joined_at, 0)
		FROM sessions s
		LEFT JOIN users u ON u.id = s.owner_user_id
		LEFT JOIN participants c ON c.join_order = (
			SELECT p.join_order FROM participants p
			WHERE p.session_id = s.id AND p.role IN (?, ?)
			ORDER BY p.joined_at, p.join_order
			LIMIT 1)
		WHERE 1 = 1`
	args := []any{RolePrimary, RoleSecondary}
	if !f.From.IsZero() {
		q += ` AND s.created_at >= ?`
		args = append(args, toMillis(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND s.created_at < ?`
		args = append(args, toMillis(f.To))
	}
	if f.OwnerUserID != "" {
		q += ` AND s.owner_user_id = ?`
		args = append(args, f.OwnerUserID)
	}
	if f.OwnerEmail != "" {
		q += ` AND u.email = ?`
		args = append(args, normEmail(f.OwnerEmail))
	}
	if f.ParticipantUserID != "" {
		q += ` AND EXISTS (SELECT 1 FROM participants tp WHERE tp.session_id = s.id AND tp.user_id = ?)`
		args = append(args, f.ParticipantUserID)
	}
	q += ` ORDER BY s.created_at, s.id`

	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return collect(rows, "list sessions", func(r scanner) (SessionSummary, error) {
		var sum SessionSummary
		var started int64
		var err error
		sum.Session, err = scanSession(r, &sum.CSRName, &sum.CSREmail, &sum.CustomerName, &sum.CustomerEmail, &started)
		sum.StartedAt = fromMillis(started)
		return sum, err
	})
}

// ---- participants ----

const participantCols = `id, session_id, COALESCE(user_id, ''), name, email, role, token_hash, addr, joined_at, left_at,
	restart_until, resumed`

func scanParticipant(row scanner) (Participant, error) {
	var p Participant
	var joined, left, restart int64
	var resumed int
	err := row.Scan(&p.ID, &p.SessionID, &p.UserID, &p.Name, &p.Email, &p.Role, &p.TokenHash, &p.Addr, &joined, &left,
		&restart, &resumed)
	p.JoinedAt, p.LeftAt, p.RestartUntil, p.Resumed = fromMillis(joined), fromMillis(left), fromMillis(restart), resumed != 0
	return p, err
}

func (s *sqlStore) Participants(ctx context.Context, sessionID string) ([]Participant, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT `+participantCols+` FROM participants
		WHERE session_id = ? ORDER BY joined_at, join_order`), sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: participants of session %q: %w", sessionID, err)
	}
	return collect(rows, "participants", scanParticipant)
}

func (s *sqlStore) ParticipantByID(ctx context.Context, id string) (Participant, error) {
	p, err := scanParticipant(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+participantCols+` FROM participants
		WHERE id = ?`), id))
	return p, notFound(err, "participant %q", id)
}

func (s *sqlStore) ParticipantByTokenHash(ctx context.Context, hash []byte) (Participant, error) {
	if len(hash) == 0 {
		// Stored as NULL, which matches nothing anyway; said outright.
		return Participant{}, fmt.Errorf("store: participant by empty token: %w", ErrNotFound)
	}
	p, err := scanParticipant(s.r.QueryRowContext(ctx, s.d.rebind(`SELECT `+participantCols+` FROM participants
		WHERE token_hash = ?`), hash))
	return p, notFound(err, "participant token")
}

func (s *sqlStore) ResumeTokenByHash(ctx context.Context, hash []byte) (ResumeToken, error) {
	if len(hash) == 0 {
		return ResumeToken{}, fmt.Errorf("store: resume token by empty hash: %w", ErrNotFound)
	}
	var t ResumeToken
	var created, expires, used int64
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT hash, participant_id, session_id, created_at, expires_at, used_at
		FROM resume_tokens WHERE hash = ?`), hash).Scan(&t.Hash, &t.ParticipantID, &t.SessionID, &created, &expires, &used)
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMillis(created), fromMillis(expires), fromMillis(used)
	return t, notFound(err, "resume token")
}

// ---- events ----

func (s *sqlStore) Events(ctx context.Context, sessionID string, afterSeq int64) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT session_id, seq, occurred_at, type, actor, target, audience, data
		FROM events WHERE session_id = ? AND seq > ? ORDER BY seq`), sessionID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("store: events of session %q: %w", sessionID, err)
	}
	return collect(rows, "events", func(r scanner) (Event, error) {
		var e Event
		var at int64
		var data string
		err := r.Scan(&e.SessionID, &e.Seq, &at, &e.Type, &e.Actor, &e.Target, &e.Audience, &data)
		e.At, e.Data = fromMillis(at), []byte(data)
		return e, err
	})
}

func (s *sqlStore) LastSeq(ctx context.Context, sessionID string) (int64, error) {
	var seq int64
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT COALESCE(MAX(seq), 0) FROM events WHERE session_id = ?`),
		sessionID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: last seq of session %q: %w", sessionID, err)
	}
	return seq, nil
}

// ---- helpers ----

// notFound wraps err with what was looked for, turning sql.ErrNoRows into
// ErrNotFound.
func notFound(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

func collect[T any](rows *sql.Rows, what string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
