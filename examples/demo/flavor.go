package main

import (
	"net/http"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/scsstore"
)

// flavor is what the demo needs from a session library; scsFlavor and
// gorillaFlavor implement it with scsstore and gorillastore.
type flavor interface {
	// wrap installs the library's middleware, if it has one.
	wrap(http.Handler) http.Handler
	// user returns the logged-in user, "" for none.
	user(r *http.Request) string
	// login stores the user under a fresh session ID (fixation defence).
	login(w http.ResponseWriter, r *http.Request, user string) error
	// logout ends the session.
	logout(w http.ResponseWriter, r *http.Request) error
	// devices lists the sessions of the logged-in user (the stores bind
	// sessions to the "user" value).
	devices(r *http.Request) ([]userSession, error)
	// logoutOthers ends every other session of the logged-in user.
	logoutOthers(w http.ResponseWriter, r *http.Request) (int, error)
	// cart returns the cart items with their counts.
	cart(r *http.Request) map[string]int
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
