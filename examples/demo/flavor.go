package main

import (
	"net/http"

	"github.com/redis-session/redis-session-go/hashcodec"
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
	// cart returns the cart items with their counts.
	cart(r *http.Request) map[string]int
	// addToCart adds one item through the library's session: a delta
	// commit writes only this item's field.
	addToCart(w http.ResponseWriter, r *http.Request, item string) error
	// fields returns a field-level handle on the request's session,
	// creating the session first when create is set.
	fields(w http.ResponseWriter, r *http.Request, create bool) (*hashcodec.Hash, error)
}

// cartPrefix starts the session keys of cart items: "cart:apple" = 2.
const cartPrefix = "cart:"
