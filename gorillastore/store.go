package gorillastore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/token"
)

// Defaults of a new Store.
const (
	DefaultPrefix     = "gorilla:hash:" // differs from boj's "session_" and rbcervilla's "session:"
	DefaultMaxAge     = 86400 * 30      // seconds, as sessions.CookieStore
	DefaultSessionTTL = 24 * time.Hour  // server lifetime of a MaxAge == 0 (browser-session) cookie
	DefaultTimeout    = 5 * time.Second // bound on saves and deletes
)

// Store is a gorilla sessions.Store that keeps each session as one Redis
// hash (layout in package hashcodec) and puts only a signed session ID in
// the cookie.
//
// Configure it by setting its fields before use, as with
// sessions.CookieStore.
//
// Lifetimes: with IdleTimeout == 0 a session lives Options.MaxAge seconds
// after its last load or save (gorilla's usual meaning of MaxAge, with
// reads counting as use). With IdleTimeout > 0 it ends IdleTimeout after
// its last load or save, and at the latest MaxAge seconds after it was
// created. A per-session Options.MaxAge (remember me) is stored with the
// session and restored on every load. MaxAge == 0 gives a browser-session
// cookie whose server side lives SessionTTL in place of MaxAge; MaxAge < 0
// deletes the session and expires the cookie.
type Store struct {
	// Codecs sign (and, with a block key, encrypt) the session ID in the
	// cookie. New builds them from the key pairs; the first pair signs new
	// cookies, every pair is tried when reading, so keys can rotate.
	Codecs []securecookie.Codec
	// Options are the cookie attributes new sessions start with. New sets
	// secure defaults: Path "/", MaxAge 30 days, HttpOnly, Secure,
	// SameSite Lax.
	Options *sessions.Options
	// KeyPrefix prefixes every Redis key (default DefaultPrefix).
	KeyPrefix string
	// IdleTimeout, when positive, ends a session that was neither loaded nor
	// saved for that long; MaxAge becomes an absolute cap from creation.
	IdleTimeout time.Duration
	// SessionTTL is how long the server keeps a MaxAge == 0 session after its
	// last use (default DefaultSessionTTL).
	SessionTTL time.Duration
	// Limits bound the values and bytes one session may hold (default
	// hashcodec.DefaultLimits); Save checks them before writing.
	Limits hashcodec.Limits
	// Timeout bounds each save and delete, which run detached from the
	// request's context so a client that disconnects cannot abort them.
	Timeout time.Duration
	// UserKey, when set, binds each session to the user ID stored under
	// that key in Values (for example "user_id"), so UserSessions and
	// DeleteUserSessions can find every session of a user. The binding
	// follows the value at each Save (see BindUser for explicit binding).
	UserKey string

	client redis.UniversalClient
	states stateTable
}

// New returns a store on c (any redis.UniversalClient: one server,
// Sentinel or Cluster) whose cookies are signed with the first key pair and
// verified with all of them. Keys come in pairs, hash key then block key:
// the hash key (32 or 64 random bytes recommended) authenticates, the
// optional block key (16, 24 or 32 bytes) encrypts; the block key of the
// last pair may be omitted. Bad keys fail here, not at first use.
func New(c redis.UniversalClient, keyPairs ...[]byte) (*Store, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	codecs, err := codecsFromPairs(keyPairs)
	if err != nil {
		return nil, err
	}
	return &Store{
		Codecs: codecs,
		Options: &sessions.Options{
			Path:     "/",
			MaxAge:   DefaultMaxAge,
			HttpOnly: true,
			Secure:   true,
			SameSite: http.SameSiteLaxMode,
		},
		KeyPrefix:  DefaultPrefix,
		SessionTTL: DefaultSessionTTL,
		Limits:     hashcodec.DefaultLimits,
		Timeout:    DefaultTimeout,
		client:     c,
	}, nil
}

// codecsFromPairs validates the keys and builds the codecs. The cookie
// holds only the session ID, whose lifetime the server decides (the Redis
// TTL), so securecookie's own timestamp limit is turned off: a cookie is
// never rejected while its session is alive, and a cookie whose session is
// gone gets a fresh session.
func codecsFromPairs(keyPairs [][]byte) ([]securecookie.Codec, error) {
	if len(keyPairs) == 0 {
		return nil, ErrNoKeys
	}
	for i, k := range keyPairs {
		if i%2 == 0 && len(k) == 0 {
			return nil, fmt.Errorf("%w: hash key %d is empty", ErrBadKey, i/2+1)
		}
		if i%2 == 1 && len(k) != 0 && len(k) != 16 && len(k) != 24 && len(k) != 32 {
			return nil, fmt.Errorf("%w: block key %d has %d bytes; AES needs 16, 24 or 32 (or none)", ErrBadKey, i/2+1, len(k))
		}
	}
	pairs := make([][]byte, len(keyPairs))
	for i, k := range keyPairs {
		if len(k) > 0 {
			pairs[i] = k // an empty block key means none, as nil does
		}
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for i, codec := range codecs {
		if sc, ok := codec.(*securecookie.SecureCookie); ok {
			sc.MaxAge(0)
		}
		if _, err := codec.Encode("probe", "probe"); err != nil {
			return nil, fmt.Errorf("%w: key pair %d: %v", ErrBadKey, i+1, err)
		}
	}
	return codecs, nil
}

// MaxAge sets Options.MaxAge for sessions created from now on, like
// sessions.CookieStore.MaxAge.
func (s *Store) MaxAge(age int) { s.Options.MaxAge = age }

func (s *Store) key(id string) string { return s.KeyPrefix + id }

// check validates the fields a user may have set.
func (s *Store) check() error {
	switch {
	case s.KeyPrefix == "":
		return fmt.Errorf("%w: empty KeyPrefix", ErrConfig)
	case s.Options == nil:
		return fmt.Errorf("%w: nil Options", ErrConfig)
	case len(s.Codecs) == 0:
		return fmt.Errorf("%w: no Codecs", ErrConfig)
	case s.IdleTimeout < 0 || s.SessionTTL <= 0 || s.Timeout <= 0:
		return fmt.Errorf("%w: IdleTimeout must be >= 0, SessionTTL and Timeout > 0", ErrConfig)
	case s.Limits.Fields < 0 || s.Limits.Bytes < 0:
		return fmt.Errorf("%w: negative Limits", ErrConfig)
	}
	return nil
}

// Get returns the session for name from the request's registry, creating
// it with New on first use (sessions.GetRegistry(r).Get(s, name)).
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New returns the session named by the request's cookie, loaded from
// Redis with its expiry slid in the same round trip. It never returns a nil
// session:
//   - no cookie, or a valid cookie whose session is gone (expired, logged
//     out): a fresh session and no error; it gets a fresh ID when saved;
//   - a cookie that does not verify: a fresh session and an error wrapping
//     ErrInvalidCookie;
//   - Redis failing, or stored data that does not decode: a fresh session,
//     the error, and a session that Save refuses to write (ErrNotLoaded).
//
// Use Get in handlers; New is what the registry calls.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessions.NewSession(s, name)
	if err := s.check(); err != nil {
		return session, err
	}
	opts := *s.Options
	session.Options = &opts
	session.IsNew = true
	cookie, err := r.Cookie(name)
	if err != nil || cookie.Value == "" {
		return session, nil
	}
	id, issued, err := s.decodeCookie(name, cookie.Value)
	if err != nil {
		return session, err
	}
	rec, err := s.load(r.Context(), id)
	if err == nil && rec != nil {
		err = s.fill(session, rec)
	}
	if err != nil {
		clear(session.Values)
		err = fmt.Errorf("gorillastore: load session: %w", err)
		s.states.set(session, loadState{loadErr: err, cookieID: id})
		return session, err
	}
	if rec == nil {
		s.states.set(session, loadState{cookieID: id})
		return session, nil
	}
	session.ID = id
	session.IsNew = false
	s.states.set(session, loadState{snap: sessionhash.NewSnapshot(rec), cookieID: id, issued: issued})
	s.noteLoad(r, session)
	return session, nil
}

// load reads the session with this ID and slides its expiry in the same
// round trip: by IdleTimeout when set, else by the session's own window
// (its MaxAge), never past its deadline; and extends its user index cover
// when it runs short. nil means no live session.
func (s *Store) load(ctx context.Context, id string) (*sessionhash.Record, error) {
	var window int64
	if s.IdleTimeout > 0 {
		window = layout.DurationMillis(s.IdleTimeout)
	}
	rec, err := sessionhash.Load(ctx, s.client, s.key(id), layout.Now(), window)
	if err != nil || rec == nil {
		return nil, err
	}
	if window == 0 {
		window = rec.Window()
	}
	err = s.index().Refresh(ctx, s.client, id, rec, window)
	if errors.Is(err, sessionhash.ErrGone) {
		return nil, nil // its user's sessions are being revoked
	}
	return rec, err
}

// fill decodes a loaded session into Values and Options.
func (s *Store) fill(session *sessions.Session, rec *sessionhash.Record) error {
	if len(session.Values) == 0 {
		session.Values = make(map[any]any, len(rec.Entries))
	}
	for _, e := range rec.Entries {
		key, _, err := hashcodec.MapKey(e.Field)
		if err != nil {
			return err
		}
		v, err := hashcodec.Decode(e.Raw, e.Type)
		if err != nil {
			return &hashcodec.FieldError{Field: fmt.Sprint(key), Err: err}
		}
		session.Values[key] = v
	}
	if v, ok := rec.Meta[layout.MaxAge]; ok {
		age, err := strconv.Atoi(v)
		if err != nil {
			return &hashcodec.FieldError{Field: layout.MaxAge, Err: fmt.Errorf("%w: %v", hashcodec.ErrCorrupt, err)}
		}
		session.Options.MaxAge = age
	}
	return nil
}

// Save writes the session and sets the cookie (sessions.NewCookie, so
// every Options attribute including SameSite and Partitioned flows
// through). A session this request loaded is saved as a delta: only the
// values that changed are written and only the removed ones deleted, in one
// atomic script, and nothing at all if the session was deleted or expired
// meanwhile (then the cookie is expired instead); a save that changes
// nothing and whose load already slid the expiry does not reach Redis. A
// new session gets a fresh random ID; an ID the client chose is never
// used. MaxAge < 0 deletes the session and expires the cookie. Every value
// must encode (custom types need gob.Register); the error names the key
// that does not, or the two keys that would be stored as one field (NaN
// keys, which never equal each other); nothing is written then. Limits
// are checked atomically against what is stored.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if err := s.check(); err != nil {
		return err
	}
	if session.Options == nil {
		opts := *s.Options
		session.Options = &opts
	}
	if session.Options.MaxAge < 0 {
		return s.Destroy(r, w, session)
	}
	st := s.states.get(session)
	if st.loadErr != nil {
		return ErrNotLoaded
	}
	id, base := session.ID, st.snap
	if base == nil || base.Key != s.key(id) {
		id, base = token.New(), nil // never an ID this store did not load or create
	}
	ctx, cancel := sessionhash.DetachedContext(r.Context(), s.Timeout)
	defer cancel()
	snap, err := s.write(ctx, session, s.key(id), base, base)
	if errors.Is(err, sessionhash.ErrGone) {
		s.states.set(session, loadState{saved: true})
		s.expireCookie(w, session)
		return nil
	}
	if err != nil {
		return err
	}
	return s.issue(w, session, id, snap)
}

// write stores session's values at key: a delta against base, or the whole
// session when base is nil. loaded is the session as this request loaded
// it (nil for a new one): it differs from base when the session moves to a
// new ID, whose write continues the loaded session's identity (creation
// time, user binding). ctx must already be detached from the request. It
// returns the snapshot of what is now stored, or sessionhash.ErrGone when
// the session no longer exists (deleted meanwhile, or past its deadline)
// or its user's sessions were revoked.
func (s *Store) write(ctx context.Context, session *sessions.Session, key string, base, loaded *sessionhash.Snapshot) (*sessionhash.Snapshot, error) {
	entries, err := encodeValues(session.Values)
	if err != nil {
		return nil, err
	}
	now := layout.Now()
	created := now
	if loaded != nil {
		if c := sessionhash.ParseInt(loaded.Meta[layout.Created]); c > 0 {
			created = c
		}
	}
	window, deadline, err := s.lifetime(session.Options.MaxAge, created)
	if err != nil {
		return nil, fmt.Errorf("gorillastore: save: MaxAge: %w", err)
	}
	expiry := now + window
	if deadline > 0 {
		expiry = min(expiry, deadline)
	}
	if expiry > layout.MaxMillis {
		return nil, fmt.Errorf("gorillastore: save: MaxAge %d: %w", session.Options.MaxAge, layout.ErrTimeRange)
	}
	if expiry <= now {
		// Past its absolute cap: the session ends.
		if _, err := sessionhash.Delete(ctx, s.client, key, s.KeyPrefix, now); err != nil {
			return nil, fmt.Errorf("gorillastore: save: %w", err)
		}
		return nil, sessionhash.ErrGone
	}
	meta := map[string]string{
		layout.Idle:     sessionhash.FormatInt(window),
		layout.Deadline: sessionhash.FormatInt(deadline),
		layout.MaxAge:   strconv.Itoa(session.Options.MaxAge),
	}
	c := &sessionhash.Commit{
		Token: strings.TrimPrefix(key, s.KeyPrefix), Loaded: loaded, Continues: loaded != nil,
		Expiry: expiry, Window: window, Deadline: deadline, Now: now, Limits: s.Limits,
		User: s.userOf(session, loaded), Binds: s.UserKey != "",
	}
	if base != nil {
		u := base.Plan(entries, meta)
		u.Expiry = expiry
		if base.Slid(window, deadline, now) {
			u.Expiry = 0 // the load already slid it as far, from when it ran
		}
		c.Update = u
	} else {
		c.Create = sessionhash.NewCreate(key, entries, meta)
		c.Create.Created, c.Create.Expiry = created, expiry
	}
	err = sessionhash.Run(s.client, s.index().Hook)(ctx, c)
	if errors.Is(err, sessionhash.ErrGone) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("gorillastore: save: %w", err)
	}
	return c.Result(entries, meta), nil
}

// lifetime returns the sliding window (ms) and the absolute deadline (Unix
// ms; 0 for none) of a session with this MaxAge (seconds; 0 for
// SessionTTL) created at created (Unix ms), computed in milliseconds so
// that no MaxAge overflows. A window or deadline past the year 9999 is an
// error wrapping hashcodec.ErrTimeRange.
func (s *Store) lifetime(maxAge int, created int64) (window, deadline int64, err error) {
	life := layout.DurationMillis(s.SessionTTL)
	if maxAge > 0 {
		if int64(maxAge) > layout.MaxMillis/1000 {
			return 0, 0, fmt.Errorf("%d seconds: %w", maxAge, layout.ErrTimeRange)
		}
		life = int64(maxAge) * 1000
	}
	if s.IdleTimeout <= 0 {
		return life, 0, nil
	}
	if deadline = created + life; deadline > layout.MaxMillis {
		return 0, 0, fmt.Errorf("%d seconds: %w", maxAge, layout.ErrTimeRange)
	}
	return layout.DurationMillis(s.IdleTimeout), deadline, nil
}

// issue sets the signed-ID cookie and remembers what is stored, so a second
// Save in the same request is a delta too.
func (s *Store) issue(w http.ResponseWriter, session *sessions.Session, id string, snap *sessionhash.Snapshot) error {
	now := time.Now()
	encoded, err := s.encodeCookie(session.Name(), id, now)
	if err != nil {
		return err
	}
	session.ID = id
	s.states.set(session, loadState{snap: snap, cookieID: id, issued: now, saved: true})
	http.SetCookie(w, sessions.NewCookie(session.Name(), encoded, session.Options))
	return nil
}

func (s *Store) expireCookie(w http.ResponseWriter, session *sessions.Session) {
	opts := *session.Options
	opts.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(session.Name(), "", &opts))
}

// encodeValues encodes gorilla Values as hash entries; keys of any
// comparable type work (Values[42] = 43).
func encodeValues(values map[any]any) ([]sessionhash.Entry, error) {
	entries := make([]sessionhash.Entry, 0, len(values))
	var keyed map[string]any // the fields of keys that are not strings
	for k, v := range values {
		field, err := hashcodec.MapKeyField(k)
		if _, isString := k.(string); !isString && err == nil {
			err = oneFieldEach(&keyed, field, k)
		}
		if err == nil {
			var raw []byte
			var t hashcodec.Type
			if raw, t, err = hashcodec.Encode(v); err == nil {
				entries = append(entries, sessionhash.Entry{Field: field, Raw: string(raw), Type: t})
				continue
			}
		}
		return nil, fmt.Errorf("gorillastore: %w", &hashcodec.FieldError{Field: fmt.Sprint(k), Err: err})
	}
	return entries, nil
}

// oneFieldEach records that key is stored as field, and refuses a second
// key stored as the same field: two NaN keys (NaN never equals itself, so
// a map holds any number of them) would be one hash field, and a save
// must not guess which value to keep.
func oneFieldEach(fields *map[string]any, field string, key any) error {
	if *fields == nil {
		*fields = make(map[string]any)
	}
	if other, taken := (*fields)[field]; taken {
		return fmt.Errorf("%w: keys %v and %v are both stored as field %q", hashcodec.ErrUnsupported, other, key, field)
	}
	(*fields)[field] = key
	return nil
}
