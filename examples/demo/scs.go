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

func newSCS(rdb redis.UniversalClient) *scsFlavor {
	store := scsstore.New(rdb, scsstore.WithCodec(scsstore.Codec{}), scsstore.WithUserKey("user"))
	sm := scs.New()
	sm.Store = store
	sm.Codec = store.Codec()
	sm.Lifetime = 24 * time.Hour
	sm.IdleTimeout = 30 * time.Minute
	sm.Cookie.Name = sessionCookie
	sm.Cookie.SameSite = http.SameSiteLaxMode
	return &scsFlavor{sm: sm, store: store}
}

func (f *scsFlavor) wrap(h http.Handler) http.Handler { return f.sm.LoadAndSave(h) }

func (f *scsFlavor) user(r *http.Request) string { return f.sm.GetString(r.Context(), "user") }

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
	user := f.user(r)
	if user == "" {
		return nil, nil
	}
	return f.store.UserSessions(r.Context(), user)
}

func (f *scsFlavor) logoutOthers(_ http.ResponseWriter, r *http.Request) (int, error) {
	user := f.user(r)
	if user == "" {
		return 0, nil
	}
	return f.store.DeleteUserSessions(r.Context(), user, f.sm.Token(r.Context()))
}

func (f *scsFlavor) cart(r *http.Request) map[string]int {
	items := map[string]int{}
	for _, k := range f.sm.Keys(r.Context()) {
		if item, ok := strings.CutPrefix(k, cartPrefix); ok {
			items[item] = f.sm.GetInt(r.Context(), k)
		}
	}
	return items
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
