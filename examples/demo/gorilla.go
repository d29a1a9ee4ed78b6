package main

import (
	"crypto/rand"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/hashcodec"
)

type gorillaFlavor struct {
	store *gorillastore.Store
}

func newGorilla(rdb redis.UniversalClient) (*gorillaFlavor, error) {
	hashKey := []byte(os.Getenv("SESSION_KEY"))
	if len(hashKey) == 0 {
		// A fresh key per start: fine for a demo, logs everyone out on
		// restart. Real apps load 32 or 64 random bytes from a secret.
		hashKey = make([]byte, 32)
		_, _ = rand.Read(hashKey)
	}
	store, err := gorillastore.New(rdb, hashKey)
	if err != nil {
		return nil, err
	}
	store.IdleTimeout = 30 * time.Minute
	store.UserKey = "user" // for "log out everywhere"
	store.MaxAge(24 * 3600)
	store.Options.Secure = false // the demo serves plain http on localhost
	return &gorillaFlavor{store: store}, nil
}

// wrap keeps each visitor's cookie alive as long as the session: gorilla
// sets cookies only on Save, while the store slides the session on every
// load.
func (f *gorillaFlavor) wrap(h http.Handler) http.Handler { return f.store.RefreshCookies(h) }

func (f *gorillaFlavor) prefix() string { return f.store.KeyPrefix }

// session returns the request's session (loaded once per request, by
// gorilla's registry). An invalid cookie just means a new session
// (gorillastore.IsInvalidCookie); any other error is Redis failing, and
// then the session must not be used: the handler answers the error.
func (f *gorillaFlavor) session(r *http.Request) (*sessions.Session, error) {
	s, err := f.store.Get(r, sessionCookie)
	if err != nil && !gorillastore.IsInvalidCookie(err) {
		return s, err
	}
	return s, nil
}

// live: a session has an ID once it was loaded or saved.
func (f *gorillaFlavor) live(r *http.Request) bool {
	s, err := f.session(r)
	return err == nil && s.ID != ""
}

// ended: the store gave a new session for the cookie, because the cookie
// is invalid or names a session that is gone. A Redis failure is not an
// end: the handler reports it.
func (f *gorillaFlavor) ended(r *http.Request) bool {
	s, err := f.store.Get(r, sessionCookie)
	return gorillastore.IsInvalidCookie(err) || (err == nil && s.IsNew)
}

func (f *gorillaFlavor) user(r *http.Request) (string, error) {
	s, err := f.session(r)
	if err != nil {
		return "", err
	}
	u, _ := s.Values["user"].(string)
	return u, nil
}

func (f *gorillaFlavor) login(w http.ResponseWriter, r *http.Request, user string) error {
	s, err := f.session(r)
	if err != nil {
		return err
	}
	s.Values["user"] = user
	return f.store.RegenerateID(r, w, s)
}

func (f *gorillaFlavor) logout(w http.ResponseWriter, r *http.Request) error {
	s, err := f.session(r)
	if err != nil {
		return err
	}
	return f.store.Destroy(r, w, s)
}

func (f *gorillaFlavor) devices(r *http.Request) ([]userSession, error) {
	user, err := f.user(r)
	if err != nil || user == "" {
		return nil, err
	}
	return f.store.UserSessions(r.Context(), user)
}

func (f *gorillaFlavor) logoutOthers(w http.ResponseWriter, r *http.Request) (int, error) {
	s, err := f.session(r)
	if err != nil {
		return 0, err
	}
	user, _ := s.Values["user"].(string)
	if user == "" {
		return 0, nil
	}
	return f.store.DeleteUserSessions(r.Context(), user, s.ID)
}

func (f *gorillaFlavor) cart(r *http.Request) (map[string]int, error) {
	s, err := f.session(r)
	if err != nil {
		return nil, err
	}
	items := map[string]int{}
	for k, v := range s.Values {
		if key, ok := k.(string); ok {
			if item, ok := strings.CutPrefix(key, cartPrefix); ok {
				items[item], _ = v.(int)
			}
		}
	}
	return items, nil
}

func (f *gorillaFlavor) addToCart(w http.ResponseWriter, r *http.Request, item string) error {
	s, err := f.session(r)
	if err != nil {
		return err
	}
	n, _ := s.Values[cartPrefix+item].(int)
	s.Values[cartPrefix+item] = n + 1
	return s.Save(r, w)
}

func (f *gorillaFlavor) fields(w http.ResponseWriter, r *http.Request, create bool) (*hashcodec.Hash, error) {
	if !create {
		return f.store.FieldsOf(r, sessionCookie), nil // verifies the cookie, loads nothing
	}
	s, err := f.session(r)
	if err != nil {
		return nil, err
	}
	if s.ID == "" {
		s.Values["since"] = time.Now().UTC()
		if err := s.Save(r, w); err != nil {
			return nil, err
		}
	}
	return f.store.Fields(s), nil
}
