// Package hashcodec is the codec between Go values and the fields of one
// Redis hash, and a handle for reading and writing single fields of a
// session without loading the rest. Both session stores of this module
// (scsstore, gorillastore) store sessions in exactly this layout.
//
// # Values
//
// Encode stores strings and []byte as they are, integers as decimal text
// (so HINCRBY works and any language can read them), floats, bools,
// time.Time (RFC 3339) and time.Duration (nanoseconds) as text, and every
// other value with gob, as scs's and gorilla's default codecs do (register
// custom types with gob.Register). The Go type is recorded in a metadata
// field next to the value, so Decode returns exactly the type that was
// written, while a plain value written by another program reads back as a
// string.
//
// # Layout
//
// A session is one hash. User values live in fields named after their keys;
// everything else lives under the reserved prefix "#" (MetaPrefix):
//
//	name            "stefan"                user string key, stored as is
//	count           "42"                    an int ...
//	#t:count        "int"                   ... and its Go type
//	##tag           "x"                     the user key "#tag", escaped
//	#k:int:42       "43"                    gorilla's Values[42] = 43
//	#t:#k:int:42    "int"
//	#created        "1764100567000000000"   creation, Unix ns
//	#deadline       "1764186967000000000"   absolute deadline, Unix ns (optional)
//	#idle           "1800000000000"         sliding window, ns (optional)
//	#maxage         "86400"                 gorillastore: per-session cookie MaxAge
//	#user           "42"                    the user the session is bound to (optional)
//	#uexp           "1764186967000000000"   until when that user's index covers it (Unix ns)
//
// Every session key has a TTL of min(now + #idle, #deadline, #uexp),
// renewed by every load, read and write in the same round trip.
//
// # Field-level access
//
// Hash reads and writes single fields (Get, GetMulti, Set, Incr, Delete,
// Exists), each in one round trip that also slides the TTL. Field offers the
// conversions of Python's redis_session (.raw .str .int .bool .json .none)
// as Raw, String, Int, Int64, Float64, Bool, JSON and IsNil, with the same
// fallbacks, and E variants that tell a missing field (ErrMissing) from
// text that does not convert (ErrUnparsable) and from a failed read (Err).
package hashcodec
