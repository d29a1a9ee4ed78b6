package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
)

const sessionCookie = "demo_session"

// endedHeader is set on a response to a request that presented a session
// cookie whose session is gone: logged out from another browser ("log out
// everywhere else"), expired, or a cookie the store cannot use. The page
// tells the user, who would otherwise just find themselves logged out.
const endedHeader = "Session-Ended"

//go:embed index.html
var indexHTML []byte

// app serves the demo: a page, and a small JSON API the page (and the
// end-to-end tests) drive.
type app struct {
	name  string
	f     flavor
	log   *log.Logger
	redis redisInfo
}

func (a *app) handler() http.Handler {
	sessions := http.NewServeMux()
	sessions.HandleFunc("GET /api/session", a.state)
	sessions.HandleFunc("POST /api/session", a.start)
	sessions.HandleFunc("POST /api/login", a.login)
	sessions.HandleFunc("POST /api/logout", a.logout)
	sessions.HandleFunc("GET /api/devices", a.devices)
	sessions.HandleFunc("POST /api/logout-others", a.logoutOthers)
	sessions.HandleFunc("POST /api/visit", a.visit)
	sessions.HandleFunc("POST /api/cart", a.addToCart)

	mux := http.NewServeMux()
	mux.Handle("/api/", a.f.wrap(a.noticeEnded(sessions)))
	// Outside the session middleware: the page and the static facts load
	// even when Redis is down (the page then shows the API's errors), and
	// /api/user reads a single field straight from Redis, without loading
	// the session.
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /api/info", a.info)
	mux.HandleFunc("GET /api/user", a.userField)
	return mux
}

func (a *app) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(indexHTML)
}

// noticeEnded sets endedHeader when the request's cookie names a session
// that is gone. It looks before the handler runs, because the handler may
// start a new session.
func (a *app) noticeEnded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hasCookie(r) && a.f.ended(r) {
			w.Header().Set(endedHeader, "true")
		}
		next.ServeHTTP(w, r)
	})
}

func hasCookie(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && c.Value != ""
}

// info is what the page's "In Redis" box shows: how to reach this Redis
// with redis-cli, and a SCAN pattern that lists session keys only.
func (a *app) info(w http.ResponseWriter, _ *http.Request) {
	a.reply(w, map[string]string{"store": a.name, "redisCli": a.redis.cli, "sessionPattern": a.redis.pattern}, nil)
}

type state struct {
	Store   string         `json:"store"`
	Session bool           `json:"session"` // this browser has a live session
	User    string         `json:"user"`
	Visits  int            `json:"visits"`
	Cart    map[string]int `json:"cart"`
}

func (a *app) state(w http.ResponseWriter, r *http.Request) {
	user, err := a.f.user(r)
	if err != nil {
		a.reply(w, nil, err)
		return
	}
	cart, err := a.f.cart(r)
	if err != nil {
		a.reply(w, nil, err)
		return
	}
	h, err := a.f.fields(w, r, false)
	if err != nil {
		a.reply(w, nil, err)
		return
	}
	visits := h.Get(r.Context(), "visits")
	if err := visits.Err(); err != nil && !noSession(err) {
		a.reply(w, nil, err)
		return
	}
	a.reply(w, state{Store: a.name, Session: a.f.live(r), User: user, Visits: visits.Int(), Cart: cart}, nil)
}

// start creates the browser's session if it has none, and answers the
// state. The page calls it before it sends several writes at once (see
// ensureSession in index.html): without a session, each of them would
// create its own.
func (a *app) start(w http.ResponseWriter, r *http.Request) {
	if _, err := a.f.fields(w, r, true); err != nil {
		a.reply(w, nil, err)
		return
	}
	a.state(w, r)
}

var (
	validUser = regexp.MustCompile(`^[\p{L}\p{N} ._-]{1,40}$`)
	validItem = regexp.MustCompile(`^[a-z]{1,20}$`)
)

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	user := r.FormValue("user")
	if !validUser.MatchString(user) {
		a.fail(w, http.StatusBadRequest, "user: 1 to 40 letters, digits, spaces, dots, dashes")
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

// logoutOthers ends every session of the user but this one, and says how
// many it ended.
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
		a.fail(w, http.StatusBadRequest, "item: 1 to 20 lowercase letters")
		return
	}
	a.reply(w, map[string]string{"added": item}, a.f.addToCart(w, r, item))
}

// userField reads one field of the session straight from Redis: one round
// trip, no session load, the TTL slid on the way.
func (a *app) userField(w http.ResponseWriter, r *http.Request) {
	h, err := a.f.fields(w, r, false)
	if err != nil {
		a.reply(w, nil, err)
		return
	}
	f := h.Get(r.Context(), "user")
	if err := f.Err(); err != nil && !noSession(err) {
		a.reply(w, nil, err)
		return
	}
	a.reply(w, map[string]any{"user": f.String(), "present": !f.IsNil()}, nil)
}

// noSession reports the errors that mean "this request has no session"
// (no cookie, an invalid one, or one whose session is gone).
func noSession(err error) bool { return errors.Is(err, hashcodec.ErrNotFound) }

// reply answers v as JSON, or the error err.
func (a *app) reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		a.storeFailed(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// storeFailed answers a failure of the session store: 503 when Redis
// cannot be reached (the user may try again), 500 otherwise. The details
// go to the log, not to the browser.
func (a *app) storeFailed(w http.ResponseWriter, err error) {
	a.log.Printf("error: %v", err)
	if redisDown(err) {
		a.fail(w, http.StatusServiceUnavailable, "The session store (Redis) is unavailable, so your session could not be read or saved. Try again in a moment.")
		return
	}
	a.fail(w, http.StatusInternalServerError, "Internal error (details in the server log).")
}

// fail answers {"error": msg} with status; the page shows msg.
func (a *app) fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// redisDown reports whether err means Redis could not be reached or did
// not answer in time, as opposed to, say, corrupt data.
func redisDown(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed)
}
