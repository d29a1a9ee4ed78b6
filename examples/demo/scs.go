package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/scsstore"
)

type scsFlavor struct {
	sm    *scs.SessionManager
	store *scsstore.Store
}

// newSCS returns the scs flavor; onError answers the requests whose
// session scs could not load or commit (Redis down).
func newSCS(rdb redis.UniversalClient, onError func(http.ResponseWriter, error)) *scsFlavor {
	store := scsstore.New(rdb, scsstore.WithCodec(scsstore.Codec{}), scsstore.WithUserKey("user"))
	sm := scs.New()
	sm.Store = store
	sm.Codec = store.Codec()
	sm.Lifetime = 24 * time.Hour
	sm.IdleTimeout = 30 * time.Minute
	sm.Cookie.Name = sessionCookie
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.ErrorFunc = func(w http.ResponseWriter, _ *http.Request, err error) {
		onError(w, err)
		if sw, ok := w.(*sealedWriter); ok {
			sw.sealed = true
		}
	}
	return &scsFlavor{sm: sm, store: store}
}

func (f *scsFlavor) wrap(h http.Handler) http.Handler {
	lns := f.sm.LoadAndSave(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lns.ServeHTTP(&sealedWriter{ResponseWriter: w}, r)
	})
}

// sealedWriter is the writer LoadAndSave writes to. scs commits a changed
// session at the handler's first Write or WriteHeader; when that commit
// fails it calls ErrorFunc with this writer, and then still writes the
// handler's own status and body after the error. ErrorFunc seals the
// writer once it has answered, so its error is the whole response.
type sealedWriter struct {
	http.ResponseWriter
	sealed bool
}

func (w *sealedWriter) WriteHeader(code int) {
	if !w.sealed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *sealedWriter) Write(b []byte) (int, error) {
	if w.sealed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *sealedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (f *scsFlavor) prefix() string { return f.store.Prefix() }

// live: scs has a token once the session was loaded or committed.
func (f *scsFlavor) live(r *http.Request) bool { return f.sm.Token(r.Context()) != "" }

// ended: LoadAndSave found no session for the cookie's token (scs then
// starts an empty session without a token).
func (f *scsFlavor) ended(r *http.Request) bool { return !f.live(r) }

func (f *scsFlavor) user(r *http.Request) (string, error) {
	return f.sm.GetString(r.Context(), "user"), nil
}

func (f *scsFlavor) login(_ http.ResponseWriter, r *http.Request, user string) error {
	if err := f.sm.RenewToken(r.Context()); err != nil {
		return err
	}
	f.sm.Put(r.Context(), "user", user)
	return nil
}

func (f *scsFlavor) logout(_ http.ResponseWriter, r *http.Request) error {
	return f.sm.Destroy(r.Context())
}

func (f *scsFlavor) devices(r *http.Request) ([]userSession, error) {
	user, _ := f.user(r)
	if user == "" {
		return nil, nil
	}
	return f.store.UserSessions(r.Context(), user)
}

func (f *scsFlavor) logoutOthers(_ http.ResponseWriter, r *http.Request) (int, error) {
	user, _ := f.user(r)
	if user == "" {
		return 0, nil
	}
	return f.store.DeleteUserSessions(r.Context(), user, f.sm.Token(r.Context()))
}

func (f *scsFlavor) cart(r *http.Request) (map[string]int, error) {
	items := map[string]int{}
	for _, k := range f.sm.Keys(r.Context()) {
		if item, ok := strings.CutPrefix(k, cartPrefix); ok {
			items[item] = f.sm.GetInt(r.Context(), k)
		}
	}
	return items, nil
}

func (f *scsFlavor) addToCart(_ http.ResponseWriter, r *http.Request, item string) error {
	key := cartPrefix + item
	f.sm.Put(r.Context(), key, f.sm.GetInt(r.Context(), key)+1)
	return nil
}

func (f *scsFlavor) fields(_ http.ResponseWriter, r *http.Request, create bool) (*hashcodec.Hash, error) {
	if !create {
		// No middleware needed: the cookie is the token (a missing or junk
		// one gives a handle whose operations fail with ErrInvalidToken).
		token := ""
		if c, err := r.Cookie(sessionCookie); err == nil {
			token = c.Value
		}
		return f.store.Fields(token), nil
	}
	ctx := r.Context()
	if f.sm.Token(ctx) == "" {
		f.sm.Put(ctx, "since", time.Now().UTC())
		if _, _, err := f.sm.Commit(ctx); err != nil {
			return nil, err
		}
	}
	return f.store.Fields(f.sm.Token(ctx)), nil
}
