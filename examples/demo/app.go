package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"regexp"
	"time"

	"github.com/redis-session/redis-session-go/hashcodec"
)

const sessionCookie = "demo_session"

//go:embed index.html
var indexHTML []byte

// app serves the demo: a page, and a small JSON API the page (and the
// end-to-end test) drives.
type app struct {
	name string
	f    flavor
	log  *log.Logger
}

func (a *app) handler() http.Handler {
	sessions := http.NewServeMux()
	sessions.HandleFunc("GET /{$}", a.index)
	sessions.HandleFunc("GET /api/session", a.state)
	sessions.HandleFunc("POST /api/login", a.login)
	sessions.HandleFunc("POST /api/logout", a.logout)
	sessions.HandleFunc("GET /api/devices", a.devices)
	sessions.HandleFunc("POST /api/logout-others", a.logoutOthers)
	sessions.HandleFunc("POST /api/visit", a.visit)
	sessions.HandleFunc("POST /api/cart", a.addToCart)

	mux := http.NewServeMux()
	mux.Handle("/", a.f.wrap(sessions))
	// Outside the session middleware: this one reads a single field
	// straight from Redis, without loading the session.
	mux.HandleFunc("GET /api/user", a.userField)
	return mux
}

func (a *app) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(indexHTML)
}

type state struct {
	Store  string         `json:"store"`
	User   string         `json:"user"`
	Visits int            `json:"visits"`
	Cart   map[string]int `json:"cart"`
}

func (a *app) state(w http.ResponseWriter, r *http.Request) {
	h, err := a.f.fields(w, r, false)
	visits := 0
	if err == nil {
		visits = h.Get(r.Context(), "visits").Int()
	}
	a.reply(w, state{Store: a.name, User: a.f.user(r), Visits: visits, Cart: a.f.cart(r)}, nil)
}

var (
	validUser = regexp.MustCompile(`^[\p{L}\p{N} ._-]{1,40}$`)
	validItem = regexp.MustCompile(`^[a-z]{1,20}$`)
)

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	user := r.FormValue("user")
	if !validUser.MatchString(user) {
		http.Error(w, "user: 1 to 40 letters, digits, spaces, dots, dashes", http.StatusBadRequest)
		return
	}
	a.reply(w, map[string]string{"user": user}, a.f.login(w, r, user))
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	a.reply(w, map[string]bool{"loggedOut": true}, a.f.logout(w, r))
}

// devices lists the sessions of the logged-in user, from the store's
// per-user index.
func (a *app) devices(w http.ResponseWriter, r *http.Request) {
	list, err := a.f.devices(r)
	type device struct {
		Created  time.Time `json:"created"`
		LastSeen time.Time `json:"lastSeen"`
		Expires  time.Time `json:"expires"`
	}
	out := make([]device, 0, len(list))
	for _, s := range list {
		out = append(out, device{Created: s.Created, LastSeen: s.LastSeen, Expires: s.Expires})
	}
	a.reply(w, map[string]any{"devices": out}, err)
}

// logoutOthers ends every session of the user but this one.
func (a *app) logoutOthers(w http.ResponseWriter, r *http.Request) {
	n, err := a.f.logoutOthers(w, r)
	a.reply(w, map[string]int{"ended": n}, err)
}

// visit counts with an atomic HINCRBY on the session's field: concurrent
// tabs never lose a visit.
func (a *app) visit(w http.ResponseWriter, r *http.Request) {
	h, err := a.f.fields(w, r, true)
	if err != nil {
		a.reply(w, nil, err)
		return
	}
	n, err := h.Incr(r.Context(), "visits", 1)
	a.reply(w, map[string]int64{"visits": n}, err)
}

// addToCart changes one value through the session library; the store's
// delta commit writes only that value, so two tabs adding different items
// at once both keep theirs.
func (a *app) addToCart(w http.ResponseWriter, r *http.Request) {
	item := r.FormValue("item")
	if !validItem.MatchString(item) {
		http.Error(w, "item: 1 to 20 lowercase letters", http.StatusBadRequest)
		return
	}
	a.reply(w, map[string]string{"added": item}, a.f.addToCart(w, r, item))
}

// userField reads one field of the session straight from Redis: one round
// trip, no session load, the TTL slid on the way.
func (a *app) userField(w http.ResponseWriter, r *http.Request) {
	h, _ := a.f.fields(w, r, false)
	f := h.Get(r.Context(), "user")
	if err := f.Err(); err != nil && !noSession(err) {
		a.reply(w, nil, err)
		return
	}
	a.reply(w, map[string]any{"user": f.String(), "present": !f.IsNil()}, nil)
}

// noSession reports the errors that mean "this request has no session".
func noSession(err error) bool { return errors.Is(err, hashcodec.ErrNotFound) }

func (a *app) reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		a.log.Printf("error: %v", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
