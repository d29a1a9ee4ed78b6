// Package layout holds the Redis layout that hashcodec and both session
// stores agree on: the reserved metadata field names, the tombstone a
// deleted session leaves, and the one unit every stored time uses. It exists
// so that the layout is written down once; users read it through the
// hashcodec package documentation.
package layout

// MetaPrefix starts every field name that is not a plain user string key.
// A user string key that itself starts with MetaPrefix is stored with the
// prefix doubled (see EscapePrefix), so user data and metadata never mix.
const MetaPrefix = "#"

// EscapePrefix is what a stored field name starts with when the user key
// starts with MetaPrefix: "#tag" is stored as "##tag".
const EscapePrefix = MetaPrefix + MetaPrefix

// Metadata fields of a session hash. Times are Unix milliseconds in
// decimal, durations milliseconds in decimal (see Millis).
const (
	// Created is the session's creation time. A hash under a store's prefix
	// without it is not a session (it is treated as absent).
	Created = "#created"
	// Deadline is the absolute deadline; the key never outlives it, and a
	// session found past it is treated as absent. Absent or 0 means none.
	Deadline = "#deadline"
	// Idle is the sliding window: each load, read or write moves the key's
	// expiry to min(now+Idle, Deadline, UserUntil). Absent or 0 means reads
	// keep the expiry, which every write sets to end at the deadline.
	Idle = "#idle"
	// MaxAge is gorillastore's per-session cookie MaxAge (remember me).
	MaxAge = "#maxage"
	// User is the user ID the session is bound to, for "log out
	// everywhere": the session is listed in that user's index.
	User = "#user"
	// UserUntil is how long the user's index covers the session. The
	// session is never given an expiry past it, and is treated as absent
	// once it has passed.
	UserUntil = "#uexp"
	// Count is the number of user values in the hash and Bytes the sum of
	// their field and value lengths, kept by every write so that limits are
	// checked against what is stored at a cost proportional to the change.
	Count = "#n"
	Bytes = "#b"
)

// TypePrefix starts the metadata field that holds the Go type of a user
// field: "#t:count" = "int". A user field without one is a string.
const TypePrefix = "#t:"

// KeyPrefix starts the field name of a user value whose map key is not a
// string (gorilla's Values[42]): "#k:int:42".
const KeyPrefix = "#k:"

// TypeField returns the name of the metadata field holding field's type.
func TypeField(field string) string { return TypePrefix + field }

// Tombstones: what a deleted session's key holds (a string, so every reader
// of hashes sees no session there) for as long as the session could still
// have lived, so that no commit can bring it back. TombstoneAlive marks a
// key deleted once, while its session was alive (the delete that a token
// renewal made, which the renewal's commit checks), followed by ':' and
// the successor key once the session was handed over to it (a renewal, a
// regeneration, a merge), so that a later delete of the old key ends the
// successor too; Tombstone any other deletion (a second delete, or one
// that found the session already gone).
const (
	TombstoneAlive = "tombstone:alive"
	Tombstone      = "tombstone"
)

// Redact returns key fit for an error message: a key long enough to hold
// a session token (43 characters) loses its last 32 characters, so that
// logs never carry a usable token; shorter keys are shown as they are.
func Redact(key string) string {
	if len(key) < 43 {
		return key
	}
	return key[:len(key)-32] + "…"
}

// IsTypeField reports whether a hash field holds the type of another.
func IsTypeField(field string) bool {
	return len(field) > len(TypePrefix) && field[:len(TypePrefix)] == TypePrefix
}
