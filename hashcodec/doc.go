// Package hashcodec is the codec between Go values and the fields of one
// Redis hash, and a handle for reading and writing single fields of a
// session without loading the rest. Both session stores of this module
// (scsstore, gorillastore) store sessions in exactly this layout.
//
// # Values
//
// Encode stores strings and []byte as they are, integers as decimal text
// (so HINCRBY works and any language can read them), floats, bools,
// time.Time and time.Duration (nanoseconds) as text, and every other value
// with gob, as scs's and gorilla's default codecs do (register custom types
// with gob.Register). A time.Time is RFC 3339 text, with the seconds of its
// zone offset when it has some ("1900-01-01T12:00:00+00:19:32", as Python's
// isoformat writes them), so the instant always round-trips exactly; years
// outside 0-9999 and offsets of a day or more use time's binary form. The
// Go type is recorded in a metadata field next to the value, so Decode
// returns exactly the type that was written, while a plain value written by
// another program reads back as a string. In a hash without session
// metadata (another program's, such as a session of Python's
// redis_session) no type is recorded and bools are written as Python writes
// them, "True" and "False".
//
// # Layout
//
// A session is one hash. User values live in fields named after their keys;
// everything else lives under the reserved prefix "#" (MetaPrefix). Times
// are Unix milliseconds, durations milliseconds:
//
//	name            "stefan"           user string key, stored as is
//	count           "42"               an int ...
//	#t:count        "int"              ... and its Go type
//	##tag           "x"                the user key "#tag", escaped
//	#k:int:42       "43"               gorilla's Values[42] = 43
//	#t:#k:int:42    "int"
//	#created        "1764100567000"    creation (Unix ms); a hash without it is no session
//	#deadline       "1764186967000"    absolute deadline (optional)
//	#idle           "1800000"          sliding window, ms (optional)
//	#maxage         "86400"            gorillastore: per-session cookie MaxAge, s
//	#user           "42"               the user the session is bound to (optional)
//	#uexp           "1764186967000"    until when that user's index covers it
//	#n              "4"                number of user values, kept by every write
//	#b              "57"               bytes of their field names and values (for limits)
//
// Every session key has an expiry of min(now + #idle, #deadline, #uexp),
// moved by every load, read and write in the same round trip, and a
// session past #deadline or #uexp reads as gone whatever its TTL says. A
// deleted session's key holds, instead of the hash, a string starting with
// "tombstone" ("tombstone", "tombstone:alive", or "tombstone:alive:" and
// the key the session was handed over to by a renewal) for as long as the
// session could still have lived: it reads as no session, and no write
// brings it back.
//
// # Field-level access
//
// Hash reads and writes single fields (Get, GetMulti, Set, Incr, Delete,
// Exists), each in one round trip that also slides the TTL. Field offers the
// conversions of Python's redis_session (.raw .str .int .bool .json .none)
// as Raw, String, Int, Int64, Float64, Bool, JSON and IsNil, with the same
// fallbacks, and E variants that tell a missing field (ErrMissing) from
// text that does not convert (ErrUnparsable), from a number too large for
// the type (ErrOutOfRange) and from a failed read (Err). Package
// hashcodec/seed finds the session of a Python app using redis_session
// from its Tornado cookie.
package hashcodec
