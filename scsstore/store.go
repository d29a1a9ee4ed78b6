package scsstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/token"
)

// ErrInvalidToken is returned by Commit for a token the store's validator
// rejects, and wrapped by every operation of Fields for such a token. (Find
// and Delete treat invalid tokens as "not found", as scs requires.)
var ErrInvalidToken = errors.New("scsstore: invalid session token")

// ErrCodecMismatch is returned by Commit when the SessionManager encodes
// with another codec than the store: set sessionManager.Codec =
// store.Codec().
var ErrCodecMismatch = errors.New("scsstore: the SessionManager's codec is not the store's: set sessionManager.Codec = store.Codec()")

// ErrNoClient is returned by every operation of a Store built with a nil
// client.
var ErrNoClient = errors.New("scsstore: nil redis client")

// Store is an scs session store that keeps each session as one Redis hash
// (see the hashcodec package for the layout). It implements scs.Store,
// scs.CtxStore, scs.IterableStore and scs.IterableCtxStore.
//
// With sessionManager.Codec = store.Codec() (GobCodec, or Codec with
// WithCodec), on one Redis or many app instances sharing it, behind any
// middleware (timeout handlers, routers that derive contexts), when
// clients disconnect, and in background jobs (Iterate), it guarantees:
//   - Delta commits: a commit writes only the values that changed since
//     what its request last saw of the session (its load, or its own
//     previous commit) and deletes only the ones it removed, in one atomic
//     script, so concurrent requests that change different keys both
//     survive; Clear removes exactly what the request had loaded; a
//     read-only request under IdleTimeout does not reach Redis at commit
//     (its load already slid the expiry).
//   - No resurrection: a deletion is final for every instance. Destroy,
//     RenewToken and DeleteUserSessions leave a tombstone at the key, so a
//     commit for a session deleted (or expired) while its request was in
//     flight writes nothing, whatever the request did with its values; a
//     renewal (or a MergeSession) moves a session's values to another key
//     only if the old session was alive when this request deleted it, and
//     hands it over first: the old key's tombstone names the new one, so a
//     logout of the old session (on any instance) while the new key is
//     written, or after, ends the new session too. Two limits: a logout
//     request that loads while another request's renewal is between
//     RenewToken and its commit finds no session (scs forgets a token it
//     cannot load) and logs out nothing; two renewals of one session at
//     once end it (the second's delete cannot be told from a logout).
//   - Sliding expiry on load: FindCtx moves the expiry to min(now + idle
//     window, deadline, user index cover) in the same round trip, and every
//     expiry is an absolute time never later than the one scs asked for.
//   - Limits on values and bytes per session, checked atomically against
//     what is stored, so parallel requests of one cookie cannot exceed them.
//   - Tokens are validated before they name a key; commits and deletes are
//     not aborted by a client disconnecting.
//
// What the store needs travels in a reserved value of the session data
// (LoadedStatePrefix), which shows in sessionManager.Keys. With scs's own
// GobCodec (sessionManager.Codec left alone) the store cannot see the
// values map itself, only that value; then a request that cleared every
// value it loaded (Clear, or Remove of each), or overwrote that value (a
// Put under its name), commits the session whole,
// replacing values other requests added meanwhile (a deleted session still
// stays deleted), and the second commit of a new session in one request
// (a manual Commit, then the middleware's) does too.
//
// A Store is safe for concurrent use.
type Store struct {
	client     redis.UniversalClient
	prefix     string
	codec      scs.Codec
	idle       time.Duration
	limits     hashcodec.Limits
	timeout    time.Duration
	validToken func(string) bool
	hashTokens bool
	scanCount  int64
	userKey    string
	configErr  error
}

// New returns a store using c, which may be a *redis.Client, a
// *redis.ClusterClient, a failover client or any redis.UniversalClient.
// Options are checked here; a bad one makes every operation fail with an
// error saying which.
func New(c redis.UniversalClient, opts ...Option) *Store {
	s := &Store{
		client:     c,
		prefix:     DefaultPrefix,
		codec:      GobCodec{},
		limits:     hashcodec.DefaultLimits,
		timeout:    DefaultTimeout,
		validToken: token.Valid,
		scanCount:  sessionhash.DefaultScanCount,
	}
	if c == nil {
		s.configErr = ErrNoClient
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Codec returns the codec the SessionManager must use with this store:
// GobCodec unless WithCodec chose another. Set it with
// sessionManager.Codec = store.Codec().
func (s *Store) Codec() scs.Codec { return s.codec }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) key(token string) string { return s.prefix + token }

// Find implements scs.Store; see FindCtx.
func (s *Store) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx implements scs.CtxStore. It returns the session's data encoded
// with the store's codec, and slides the session's expiry in the same
// round trip, by the window scs used at the session's last commit (or the
// one WithIdleTimeout sets), never past its deadline. A token that
// is malformed, unknown, expired, deleted, or names a key that is not a
// session gives found=false and no error; err is only for Redis failures
// and for stored data that does not decode (the error names the field).
func (s *Store) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if s.configErr != nil {
		return nil, false, s.configErr
	}
	if !s.validToken(token) {
		return nil, false, nil
	}
	var window int64 // the session's own, unless WithIdleTimeout says
	if s.idle > 0 {
		window = layout.DurationMillis(s.idle)
	}
	rec, err := sessionhash.Load(ctx, s.client, s.key(token), layout.Now(), window)
	if err != nil {
		return nil, false, fmt.Errorf("scsstore: find: %w", err)
	}
	if rec == nil {
		return nil, false, nil
	}
	if window == 0 {
		window = rec.Window()
	}
	err = s.index().Refresh(ctx, s.client, token, rec, window)
	if errors.Is(err, sessionhash.ErrGone) {
		return nil, false, nil // its user's sessions are being revoked
	}
	if err != nil {
		return nil, false, fmt.Errorf("scsstore: find: %w", err)
	}
	b, err := s.blob(rec)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// blob encodes a loaded session for scs, with the state (see
// sessionState) that lets its commits write only what changed.
func (s *Store) blob(rec *sessionhash.Record) ([]byte, error) {
	deadline := rec.Time(layout.Deadline)
	if deadline.IsZero() {
		return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: layout.Deadline,
			Err: fmt.Errorf("%w: session %s has no deadline", hashcodec.ErrCorrupt, layout.Redact(rec.Key))})
	}
	st := newState(sessionhash.NewSnapshot(rec))
	st.transport = true
	if isFastCodec(s.codec) {
		if err := checkEntries(rec.Entries, false); err != nil {
			return nil, err
		}
		st.overEntries = true // the blob holds the entries
		whole, _ := st.MarshalBinary()
		return encodeBlob(deadline, rec.Entries, whole), nil
	}
	values, err := decodeValues(rec.Entries)
	if err != nil {
		return nil, err
	}
	values[st.tag()] = st
	b, err := s.plainCodec().Encode(deadline, values)
	if err != nil {
		return nil, fmt.Errorf("scsstore: encode %s: %w", layout.Redact(rec.Key), err)
	}
	return b, nil
}

// plainCodec returns the codec that encodes Find's blobs and decodes what
// the manager committed, when that is not the fast Codec: scs's own
// GobCodec for GobCodec (whose blobs it reads), else the one configured.
func (s *Store) plainCodec() scs.Codec {
	if _, ok := s.codec.(GobCodec); ok {
		return scs.GobCodec{}
	}
	return s.codec
}

// hashToken is scs's hashToken: SHA-256, unpadded base64url.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Delete implements scs.Store; see DeleteCtx.
func (s *Store) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx implements scs.CtxStore. It ends the session for good: its key
// holds a tombstone for as long as the session could still have lived, so
// no request in flight, on any instance, can bring it back. Deleting an
// unknown, empty or malformed token is a no-op (a well-formed unknown one
// leaves a short tombstone). The delete is not aborted when ctx is
// cancelled; the store's timeout bounds it instead.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	if s.configErr != nil {
		return s.configErr
	}
	if !s.validToken(token) {
		return nil
	}
	ctx, cancel := sessionhash.DetachedContext(ctx, s.timeout)
	defer cancel()
	if _, err := sessionhash.Delete(ctx, s.client, s.key(token), s.prefix, layout.Now()); err != nil {
		return fmt.Errorf("scsstore: delete: %w", err)
	}
	return nil
}

// Fields returns a handle for reading and writing single values of the
// session with this token, straight from Redis, without loading the rest.
// Pass sessionManager.Token(ctx); with HashTokenInStore, configure the
// store WithHashedTokens. It does no I/O. When there is no such session
// (no token yet, a malformed one, or one that expired or was deleted)
// every operation fails with an error wrapping hashcodec.ErrNotFound (and
// ErrInvalidToken for a malformed token).
//
// Values written through Fields are seen by the next request that loads
// the session; a request that already loaded it keeps its own copy, and its
// commit leaves the field alone unless that request changed it too. The
// user key (WithUserKey) is read-only here: writing it must rebind the
// session, which a commit or BindUser does; Fields gives ErrReadOnly.
func (s *Store) Fields(token string) *hashcodec.Hash {
	if s.configErr != nil {
		return hashcodec.NewHashErr(s.configErr)
	}
	if token == "" {
		return hashcodec.NewHashErr(fmt.Errorf("%w: no session token: the session has not been committed yet", hashcodec.ErrNotFound))
	}
	stored, err := s.storedToken(token)
	if err != nil {
		return hashcodec.NewHashErr(fmt.Errorf("%w: %w", hashcodec.ErrNotFound, err))
	}
	opts := []hashcodec.HashOption{hashcodec.WithLimits(s.limits)}
	if s.userKey != "" {
		opts = append(opts, hashcodec.WithReadOnlyKeys("it binds the session to its user: change it in the session (sessionManager.Put) or with BindUser", s.userKey))
	}
	if s.idle > 0 {
		opts = append(opts, hashcodec.WithIdleTimeout(s.idle))
	}
	return hashcodec.NewHash(s.client, s.key(stored), opts...)
}
