package scsstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/token"
	"github.com/redis-session/redis-session-go/internal/userindex"
)

// LoadedStateKey is the reserved session value in which the store carries
// what a request loaded from its Find to its Commit, the way scs itself
// carries "__rememberMe". It never reaches Redis. It shows in
// SessionManager.Keys; leave it alone.
const LoadedStateKey = "__scsstore"

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
// Compared with a blob store it guarantees:
//   - Delta commits: a commit writes only the values that changed since its
//     request loaded the session and deletes only the ones it removed, in
//     one atomic script, so concurrent requests that change different keys
//     both survive, and a read-only request (even under IdleTimeout) writes
//     nothing but the expiry.
//   - No resurrection: a commit for a session that was deleted (Destroy,
//     RenewToken) or expired while its request was in flight writes
//     nothing.
//   - Sliding expiry on load: FindCtx sets the TTL to min(now + idle
//     window, deadline) in the same round trip, so a session stays alive
//     under reads without a rewrite.
//   - Tokens are validated before they name a key; commits and deletes are
//     not aborted by a client disconnecting.
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
	requests   requestState
}

// New returns a store using c, which may be a *redis.Client, a
// *redis.ClusterClient, a failover client or any redis.UniversalClient.
// Options are checked here; a bad one makes every operation fail with an
// error saying which.
func New(c redis.UniversalClient, opts ...Option) *Store {
	s := &Store{
		client:     c,
		prefix:     DefaultPrefix,
		codec:      scs.GobCodec{},
		idle:       sessionhash.SlideFromMeta,
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
// scs.GobCodec unless WithCodec chose another. Set it with
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
// with the store's codec, and slides the session's TTL in the same round
// trip. A token that is malformed, unknown, expired, or names a key that is
// not a session gives found=false and no error; err is only for Redis
// failures and for stored data that does not decode (the error names the
// field).
func (s *Store) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if s.configErr != nil {
		return nil, false, s.configErr
	}
	if !s.validToken(token) {
		return nil, false, nil
	}
	rec, ok, err := sessionhash.Load(ctx, s.client, s.key(token), s.idle)
	if err != nil {
		return nil, false, fmt.Errorf("scsstore: find: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	snap := sessionhash.NewSnapshot(rec)
	b, err := s.blob(rec, snap)
	if err != nil {
		return nil, false, err
	}
	s.requests.loaded(ctx, snap)
	window := s.idle
	if window <= 0 {
		window = rec.Idle()
	}
	if err := userindex.RefreshOnLoad(ctx, s.client, s.index(), token, rec, window); err != nil {
		return nil, false, fmt.Errorf("scsstore: find: %w", err)
	}
	return b, true, nil
}

// blob encodes a loaded session for scs, with the snapshot that lets the
// commit write only what changed.
func (s *Store) blob(rec *sessionhash.Record, loaded *sessionhash.Snapshot) ([]byte, error) {
	deadline := rec.Deadline()
	if deadline.IsZero() {
		return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: layout.Deadline,
			Err: fmt.Errorf("%w: session %s has no deadline", hashcodec.ErrCorrupt, layout.Redact(rec.Key))})
	}
	snap := loaded.MarshalBinary()
	state := sessionhash.Entry{Field: LoadedStateKey, Type: hashcodec.TypeBytes, Raw: string(snap)}
	if isFastCodec(s.codec) {
		if err := checkEntries(rec.Entries); err != nil {
			return nil, err
		}
		return encodeBlob(deadline, append(rec.Entries, state)), nil
	}
	values, err := decodeValues(rec.Entries)
	if err != nil {
		return nil, err
	}
	values[LoadedStateKey] = snap
	b, err := s.codec.Encode(deadline, values)
	if err != nil {
		return nil, fmt.Errorf("scsstore: encode %s: %w", layout.Redact(rec.Key), err)
	}
	return b, nil
}

// Commit implements scs.Store; see CommitCtx.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx implements scs.CtxStore. It stores the session with a TTL
// that ends at expiry (an expiry in the past deletes it). For a session
// this process loaded, it writes only what changed, and nothing at all if
// the session was deleted or expired meanwhile; a new session, or one whose
// token was renewed, is written whole. Limits are checked before anything
// is written. The write is not aborted when ctx is cancelled; the store's
// timeout bounds it instead.
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if s.configErr != nil {
		return s.configErr
	}
	if !s.validToken(token) {
		return ErrInvalidToken
	}
	deadline, entries, snap, err := s.parseCommit(b)
	if err != nil {
		return err
	}
	if err := s.limits.Check(sessionhash.Stats(entries)); err != nil {
		return fmt.Errorf("scsstore: commit: %w", err)
	}
	now := time.Now()
	key := s.key(token)
	if snap != nil && snap.Key != key && key == s.key(hashToken(strings.TrimPrefix(snap.Key, s.prefix))) {
		// scs's Iterate under HashTokenInStore hands back the stored hash as
		// the token and then hashes it again: this is still the session
		// that was loaded, not a new one.
		key = snap.Key
	}
	var fromValues *sessionhash.Snapshot
	if snap != nil && snap.Key == key {
		fromValues = snap
	}
	if known := s.requests.get(ctx, key, fromValues); known != nil {
		// What this request last loaded or wrote here, which may be newer
		// than what the values carry (see requestState).
		snap = known
	}
	window := s.idleAt(now, deadline, expiry)
	meta := map[string]string{
		layout.Deadline: sessionhash.FormatTime(deadline),
		layout.Idle:     strconv.FormatInt(int64(window), 10),
	}
	if snap == nil || snap.Key != key {
		meta[layout.Created] = sessionhash.FormatTime(now)
		if snap != nil && snap.Meta[layout.Created] != "" {
			meta[layout.Created] = snap.Meta[layout.Created] // a renewed token continues the session
		}
	}
	runCtx, cancel := sessionhash.DetachedContext(ctx, s.timeout)
	defer cancel()
	bind := s.bind(snap, key, entries, expiry, window, deadline)
	w, err := bind.Write(runCtx, s.client, snap, entries, meta, expiry.Sub(now))
	if errors.Is(err, sessionhash.ErrGone) {
		return nil // deleted or expired meanwhile: nothing is brought back
	}
	if err != nil {
		return fmt.Errorf("scsstore: commit: %w", err)
	}
	bind.After(runCtx)
	s.requests.wrote(ctx, w.Result(snap, entries, meta), w.Create)
	return nil
}

// idleAt returns the sliding window to record: the configured one, or the
// one scs used for this commit (expiry = min(deadline, now+IdleTimeout)),
// to the millisecond. Zero means no window: the TTL ends at the deadline.
func (s *Store) idleAt(now, deadline, expiry time.Time) time.Duration {
	if s.idle > 0 {
		return s.idle
	}
	if !expiry.Before(deadline) {
		return 0
	}
	return max(expiry.Sub(now).Round(time.Millisecond), 0)
}

// parseCommit decodes a committed blob into entries, the deadline and the
// snapshot taken at load (nil for a session this process did not load).
func (s *Store) parseCommit(b []byte) (time.Time, []sessionhash.Entry, *sessionhash.Snapshot, error) {
	var deadline time.Time
	var entries []sessionhash.Entry
	var err error
	if isFastBlob(b) != isFastCodec(s.codec) {
		// Loads would hand scs blobs its codec cannot read: say so now,
		// rather than fail every later request with a decoding error.
		return deadline, nil, nil, ErrCodecMismatch
	}
	if isFastBlob(b) {
		deadline, entries, err = decodeBlob(b)
	} else {
		var values map[string]any
		if deadline, values, err = s.codec.Decode(b); err != nil {
			return deadline, nil, nil, fmt.Errorf("scsstore: decode commit: %w", err)
		}
		entries, err = encodeValues(values)
	}
	if err != nil {
		return deadline, nil, nil, err
	}
	for i, e := range entries {
		if e.Field != LoadedStateKey {
			continue
		}
		entries = append(entries[:i], entries[i+1:]...)
		snap, err := sessionhash.UnmarshalSnapshot([]byte(e.Raw))
		if err != nil {
			return deadline, nil, nil, fmt.Errorf("scsstore: value %q: %w", LoadedStateKey, err)
		}
		return deadline, entries, snap, nil
	}
	return deadline, entries, nil, nil
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

// DeleteCtx implements scs.CtxStore. Deleting an unknown, empty or
// malformed token is a no-op. The delete is not aborted when ctx is
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
	if err := s.client.Del(ctx, s.key(token)).Err(); err != nil {
		return fmt.Errorf("scsstore: delete: %w", err)
	}
	return nil
}

// Fields returns a handle for reading and writing single values of the
// session with this token, straight from Redis, without loading the rest.
// Pass sessionManager.Token(ctx); with HashTokenInStore, configure the
// store WithHashedTokens. It does no I/O. When there is no such session
// (no token yet, a malformed one, or one that expired) every operation
// fails with an error wrapping hashcodec.ErrNotFound (and ErrInvalidToken
// for a malformed token).
//
// Values written through Fields are seen by the next request that loads
// the session; a request that already loaded it keeps its own copy, and its
// commit leaves the field alone unless that request changed it too.
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
	if s.idle > 0 {
		opts = append(opts, hashcodec.WithIdleTimeout(s.idle))
	}
	return hashcodec.NewHash(s.client, s.key(stored), opts...)
}
