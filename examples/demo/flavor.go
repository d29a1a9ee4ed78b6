package main

import (
	"net/http"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/scsstore"
)

// flavor is what the demo needs from a session library; scsFlavor and
// gorillaFlavor implement it with scsstore and gorillastore.
//
// Only a Redis failure is an error: a request without a usable session
// (no cookie, an invalid one, or one whose session is gone) simply has
// none.
type flavor interface {
	// wrap installs the library's middleware, if it has one.
	wrap(http.Handler) http.Handler
	// prefix is the store's Redis key prefix.
	prefix() string
	// live reports whether the request has a session stored in Redis
	// (loaded, or created by this request).
	live(r *http.Request) bool
	// ended reports whether the request's session cookie names no live
	// session: the session was logged out (perhaps from another browser)
	// or expired, or the cookie is invalid. It is asked before the handler
	// runs, only for requests that carry the cookie.
	ended(r *http.Request) bool
	// user returns the logged-in user, "" for none.
	user(r *http.Request) (string, error)
	// login stores the user under a fresh session ID (fixation defence).
	login(w http.ResponseWriter, r *http.Request, user string) error
	// logout ends the session.
	logout(w http.ResponseWriter, r *http.Request) error
	// devices lists the sessions of the logged-in user (the stores bind
	// sessions to the "user" value).
	devices(r *http.Request) ([]userSession, error)
	// logoutOthers ends every other session of the logged-in user and
	// returns how many it ended.
	logoutOthers(w http.ResponseWriter, r *http.Request) (int, error)
	// cart returns the cart items with their counts.
	cart(r *http.Request) (map[string]int, error)
	// addToCart adds one item through the library's session: a delta
	// commit writes only this item's field.
	addToCart(w http.ResponseWriter, r *http.Request, item string) error
	// fields returns a field-level handle on the request's session,
	// creating the session first when create is set.
	fields(w http.ResponseWriter, r *http.Request, create bool) (*hashcodec.Hash, error)
}

// userSession is what both stores report about one session of a user.
type userSession = scsstore.UserSession

// cartPrefix starts the session keys of cart items: "cart:apple" = 2.
const cartPrefix = "cart:"
