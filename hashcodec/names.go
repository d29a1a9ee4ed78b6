package hashcodec

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"

	"github.com/redis-session/redis-session-go/internal/layout"
)

// MetaPrefix starts every hash field that is not a plain user string key:
// session metadata ("#created", "#deadline", "#idle", "#maxage"), type
// fields ("#t:<field>"), user keys that are not strings ("#k:int:42") and
// escaped user keys ("##x" stores the user key "#x").
const MetaPrefix = "#"

// FieldName returns the hash field that stores the user string key: the key
// itself, or the key with MetaPrefix doubled when it starts with MetaPrefix,
// so that no user key can collide with metadata.
func FieldName(key string) string {
	if strings.HasPrefix(key, MetaPrefix) {
		return MetaPrefix + key
	}
	return key
}

// UserKey is the inverse of FieldName: it returns the user string key a hash
// field stores, and false for metadata, type fields and non-string keys.
func UserKey(field string) (string, bool) {
	if !strings.HasPrefix(field, MetaPrefix) {
		return field, true
	}
	if strings.HasPrefix(field, layout.EscapePrefix) {
		return field[len(MetaPrefix):], true
	}
	return "", false
}

// IsUserField reports whether a hash field holds user data (a string key or
// a non-string key) rather than metadata or a type field.
func IsUserField(field string) bool {
	return !strings.HasPrefix(field, MetaPrefix) ||
		strings.HasPrefix(field, layout.EscapePrefix) ||
		strings.HasPrefix(field, layout.KeyPrefix)
}

// TypeField returns the metadata field that records the Type of field.
func TypeField(field string) string { return layout.TypeField(field) }

// MapKeyField returns the hash field for a map key of any comparable type,
// as gorilla's Session.Values allows (Values[42] = 43). String keys map
// through FieldName; other keys become "#k:<type>:<text>" with the key
// encoded like a value ("#k:int:42", "#k:bool:true"), gob keys in base64url.
func MapKeyField(key any) (string, error) {
	if s, ok := key.(string); ok {
		return FieldName(s), nil
	}
	raw, t, err := Encode(key)
	if err != nil {
		return "", err
	}
	text := string(raw)
	if t == TypeGob || t == TypeTimeBin {
		text = base64.RawURLEncoding.EncodeToString(raw)
	}
	return layout.KeyPrefix + string(t) + ":" + text, nil
}

// MapKey is the inverse of MapKeyField. It reports false for fields that
// hold no user data, and an error wrapping ErrCorrupt for a "#k:" field that
// does not decode.
func MapKey(field string) (any, bool, error) {
	if key, ok := UserKey(field); ok {
		return key, true, nil
	}
	rest, ok := strings.CutPrefix(field, layout.KeyPrefix)
	if !ok {
		return nil, false, nil
	}
	t, text, ok := strings.Cut(rest, ":")
	if !ok || Type(t) == TypeString {
		return nil, false, fmt.Errorf("%w: map key field %q has no type", ErrCorrupt, field)
	}
	raw := []byte(text)
	if Type(t) == TypeGob || Type(t) == TypeTimeBin {
		var err error
		if raw, err = base64.RawURLEncoding.DecodeString(text); err != nil {
			return nil, false, fmt.Errorf("%w: map key field %q: %v", ErrCorrupt, field, err)
		}
	}
	key, err := Decode(raw, Type(t))
	if err != nil {
		return nil, false, fmt.Errorf("map key field %q: %w", field, err)
	}
	if key != nil && !reflect.ValueOf(key).Comparable() {
		return nil, false, fmt.Errorf("%w: map key field %q holds a %T, which cannot be a map key", ErrCorrupt, field, key)
	}
	return key, true, nil
}
