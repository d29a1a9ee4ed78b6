// Package layout holds the Redis hash layout that hashcodec and both session
// stores agree on: the reserved metadata field names. It exists so that the
// layout is written down once; users read it through the hashcodec package
// documentation.
package layout

// MetaPrefix starts every field name that is not a plain user string key.
// A user string key that itself starts with MetaPrefix is stored with the
// prefix doubled (see EscapePrefix), so user data and metadata never mix.
const MetaPrefix = "#"

// EscapePrefix is what a stored field name starts with when the user key
// starts with MetaPrefix: "#tag" is stored as "##tag".
const EscapePrefix = MetaPrefix + MetaPrefix

// Metadata fields every session hash carries. Times are Unix nanoseconds in
// decimal, durations are nanoseconds in decimal.
const (
	// Created is the session's creation time. A hash under a store's prefix
	// without it is not a session (it is treated as absent).
	Created = "#created"
	// Deadline is the absolute deadline; the key never outlives it.
	// Absent or 0 means no absolute deadline.
	Deadline = "#deadline"
	// Idle is the sliding window: each load, read or write sets the key's TTL
	// to min(now+Idle, Deadline, UserUntil). Absent or 0 means reads keep
	// the TTL.
	Idle = "#idle"
	// MaxAge is gorillastore's per-session cookie MaxAge (remember me).
	MaxAge = "#maxage"
	// User is the user ID the session is bound to, for "log out
	// everywhere": the session is listed in that user's index.
	User = "#user"
	// UserUntil is how long the user's index covers the session (Unix ns).
	// A session is never given a TTL past it; whoever would move the
	// expiry past it extends the index first.
	UserUntil = "#uexp"
)

// TypePrefix starts the metadata field that holds the Go type of a user
// field: "#t:count" = "int". A user field without one is a string.
const TypePrefix = "#t:"

// KeyPrefix starts the field name of a user value whose map key is not a
// string (gorilla's Values[42]): "#k:int:42".
const KeyPrefix = "#k:"

// TypeField returns the name of the metadata field holding field's type.
func TypeField(field string) string { return TypePrefix + field }

// Redact returns key fit for an error message: a key long enough to hold
// a session token (43 characters) loses its last 32 characters, so that
// logs never carry a usable token; shorter keys are shown as they are.
func Redact(key string) string {
	if len(key) < 43 {
		return key
	}
	return key[:len(key)-32] + "…"
}
