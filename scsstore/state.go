package scsstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/wire"
)

// scs hands a store nothing but bytes: the blob Find returns, which scs
// decodes into the request's values map, and the blob its Codec encodes
// from that map at every Commit. What a commit needs to write a delta (what
// the request last saw of its session) therefore travels with the
// request's own session data, as a sessionState, a reserved value under
// LoadedStatePrefix:
//
//   - Every codec carries it in the values map: scs's own GobCodec through
//     the state's binary form, the store's codecs directly. MergeSession
//     copies it, with the other session's values, into the request's
//     values, so that the commit knows which sessions it carries on (and
//     checks that each ended alive); Clear and Destroy remove it.
//   - The store's codecs (Codec, GobCodec) also associate the state with
//     the values map itself, by its identity: it survives Clear, so that a
//     cleared session is still written as a delta (Clear removes exactly
//     what the request loaded), and for a new session Encode creates it.
//
// Either way the blob a commit receives refers to states by handles that
// resolve, in the process that holds the session data, to the live
// objects, which the store updates after each successful write: a second
// commit in the same request is a delta against the first. Nothing is
// keyed by contexts, time windows or counts; a state lives exactly as long
// as the session data that holds it.

// LoadedStatePrefix starts the key of the reserved session value in which
// the store carries what a request loaded: "__scsstore." plus a short tag,
// one per session (MergeSession copies another session's values over). It
// never reaches Redis, holds no token (not even by reflection), and shows
// in SessionManager.Keys; leave it alone, as scs's own "__rememberMe".
const LoadedStatePrefix = "__scsstore."

// sessionState is what one request's session data has seen of Redis: the
// snapshot of its last load or write, or none yet (a new session). The
// snapshot's key (which holds the token) is kept only sealed (see seal),
// so that nothing that walks the session's values, by reflection too, can
// find the token in it. It is safe for concurrent use.
type sessionState struct {
	mu     sync.Mutex
	handle uint64
	// snap is the snapshot without its Key; sealed is the key, sealed, and
	// sum its KeySum (for telling sessions apart without unsealing).
	snap   *sessionhash.Snapshot
	sealed []byte
	sum    uint64
	// transport marks a state built to travel in a Find blob: it encodes
	// whole, and the session data that decodes it gets a live copy.
	// overEntries marks one that travels in a Codec blob, which holds the
	// snapshot's entries already: it leaves their fingerprints out.
	transport, overEntries bool
	// ref marks a decoded reference: it stands for the live object its
	// handle names (see live).
	ref bool
}

func init() { gob.Register(&sessionState{}) }

// String hides everything: a page that prints the session's values shows
// no state (and there is no token in it anyway).
func (s *sessionState) String() string { return "scsstore.sessionState" }

// Format makes every fmt verb print String, %#v and %+v included.
func (s *sessionState) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// GoString implements fmt.GoStringer like Format.
func (s *sessionState) GoString() string { return s.String() }

// newState returns an unregistered state holding snap (nil for none).
func newState(snap *sessionhash.Snapshot) *sessionState {
	s := &sessionState{}
	s.set(snap)
	return s
}

// get returns the snapshot, its key unsealed (nil for none).
func (s *sessionState) get() *sessionhash.Snapshot {
	s.mu.Lock()
	snap, sealed := s.snap, s.sealed
	s.mu.Unlock()
	if snap == nil {
		return nil
	}
	key, err := unseal(sealed)
	if err != nil {
		return nil // cannot happen: only this process seals
	}
	cp := *snap
	cp.Key = key
	return &cp
}

// names reports whether the state's snapshot is of the session at key.
func (s *sessionState) names(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap != nil && s.sum == sessionhash.KeySum(key)
}

// set replaces the snapshot (nil: the session is gone, or was consumed).
func (s *sessionState) set(snap *sessionhash.Snapshot) {
	var sealed []byte
	var sum uint64
	if snap != nil {
		sealed, sum = seal(snap.Key), sessionhash.KeySum(snap.Key)
		cp := *snap
		cp.Key = ""
		snap = &cp
	}
	s.mu.Lock()
	s.snap, s.sealed, s.sum = snap, sealed, sum
	s.mu.Unlock()
}

// States resolve by handle to the live object while some session data
// holds it.
var live struct {
	sync.Mutex
	m map[uint64]weak.Pointer[sessionState]
}

// newLiveState returns a state registered under a fresh handle.
func newLiveState(snap *sessionhash.Snapshot) *sessionState {
	s := newState(snap)
	s.register()
	return s
}

// handles numbers live states: a handle is never reused in a process.
var handles atomic.Uint64

// register gives s a fresh handle that resolves to it while it lives.
func (s *sessionState) register() {
	s.handle = handles.Add(1)
	wp := weak.Make(s)
	live.Lock()
	if live.m == nil {
		live.m = make(map[uint64]weak.Pointer[sessionState])
	}
	live.m[s.handle] = wp
	live.Unlock()
	runtime.AddCleanup(s, forgetHandle, s.handle)
}

func forgetHandle(h uint64) {
	live.Lock()
	delete(live.m, h)
	live.Unlock()
}

func resolve(h uint64) *sessionState {
	live.Lock()
	wp, ok := live.m[h]
	live.Unlock()
	if !ok {
		return nil
	}
	return wp.Value()
}

// The store's codecs associate a state with the values map they decode
// into, or first encode.
var byMap struct {
	sync.Mutex
	m map[weak.Pointer[byte]]*sessionState
}

// mapID returns a pointer that identifies a values map for as long as it
// lives (a map value is a pointer to its runtime header; reflect documents
// UnsafePointer for maps), nil for a nil map.
func mapID(values map[string]any) *byte {
	if values == nil {
		return nil
	}
	return (*byte)(reflect.ValueOf(values).UnsafePointer())
}

// associate makes st the state of values.
func associate(values map[string]any, st *sessionState) {
	id := mapID(values)
	if id == nil {
		return
	}
	wp := weak.Make(id)
	byMap.Lock()
	defer byMap.Unlock()
	if byMap.m == nil {
		byMap.m = make(map[weak.Pointer[byte]]*sessionState)
	}
	if _, known := byMap.m[wp]; !known {
		runtime.AddCleanup(id, forgetMap, wp)
	}
	byMap.m[wp] = st
}

// stateOf returns the state associated with values, creating one (a new
// session's) when there is none.
func stateOf(values map[string]any) *sessionState {
	id := mapID(values)
	if id == nil {
		return newLiveState(nil)
	}
	wp := weak.Make(id)
	byMap.Lock()
	st := byMap.m[wp]
	byMap.Unlock()
	if st == nil {
		st = newLiveState(nil)
		associate(values, st)
	}
	return st
}

func forgetMap(wp weak.Pointer[byte]) {
	byMap.Lock()
	delete(byMap.m, wp)
	byMap.Unlock()
}

// tag returns the key of the reserved value that carries the state in a
// values map: LoadedStatePrefix plus a tag of the session's key.
func (s *sessionState) tag() string {
	s.mu.Lock()
	sum := s.sum
	s.mu.Unlock()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], sum)
	return LoadedStatePrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// isStateKey reports whether a values key is a reserved state's.
func isStateKey(k string) bool { return strings.HasPrefix(k, LoadedStatePrefix) }

// The binary forms of a state: whole (a snapshot, in a Find blob), or a
// reference to the live object (in a commit's blob). formOverEntries is
// whole but for the fingerprints, which are those of the entries of the
// Codec blob that carries it; only Codec.Decode reads it, with them.
const (
	formWhole       = 1
	formRef         = 2
	formOverEntries = 3
)

// MarshalBinary encodes the state: whole when it travels in a Find blob,
// otherwise as a reference to the live object (the handle), which is all
// a commit in this process needs. gob uses it, and so may other codecs.
func (s *sessionState) MarshalBinary() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.transport {
		b := []byte{formRef}
		return binary.LittleEndian.AppendUint64(b, s.handle), nil
	}
	if s.overEntries {
		return appendWhole([]byte{formOverEntries}, s.sealed, s.sum, s.snap, false), nil
	}
	return appendWhole([]byte{formWhole}, s.sealed, s.sum, s.snap, true), nil
}

// UnmarshalBinary decodes a state into s. A whole one makes s a new live
// object (the session data decoding it owns it); a reference makes s stand
// for the live object it names (see live).
func (s *sessionState) UnmarshalBinary(b []byte) error {
	r := wire.NewReader(b)
	switch r.Byte() {
	case formRef:
		s.handle, s.ref = r.Uint64(), true
		if err := r.Done(); err != nil {
			return fmt.Errorf("scsstore: session state: %w", err)
		}
		return nil
	case formWhole:
		return s.unmarshalWhole(r, true, nil)
	}
	return fmt.Errorf("scsstore: session state: %w", wire.ErrMalformed)
}

// decodeStateOver decodes the state of a Codec Find blob whose entries are
// entries: formOverEntries takes its fingerprints from them.
func decodeStateOver(b []byte, entries []sessionhash.Entry) (*sessionState, error) {
	r := wire.NewReader(b)
	if r.Byte() != formOverEntries {
		return decodeState(b)
	}
	s := &sessionState{}
	if err := s.unmarshalWhole(r, false, entries); err != nil {
		return nil, err
	}
	return s, nil
}

// unmarshalWhole decodes a whole state into s and makes s a new live
// object; its fingerprints are in r (withSums), or those of over.
func (s *sessionState) unmarshalWhole(r *wire.Reader, withSums bool, over []sessionhash.Entry) error {
	sealed, sum, snap, err := readWhole(r, withSums)
	if err != nil {
		return err
	}
	if !withSums {
		snap.SetEntries(over)
	}
	s.snap, s.sealed, s.sum = snap, sealed, sum
	s.register()
	return nil
}

// live returns the live object s stands for: s itself, or the one a
// decoded reference names (nil when that is gone, which only a misuse can
// cause: a reference outlives no session data).
func (s *sessionState) live() *sessionState {
	if s.ref {
		return resolve(s.handle)
	}
	return s
}

// decodeRefs decodes the state section of a commit's blob (appendRefs):
// references, resolved to their live objects. The first is the session
// data's own state (nil when it is gone); references to gone states are
// left out of the rest.
func decodeRefs(b []byte) ([]*sessionState, error) {
	const size = 9 // formRef, then the handle
	if len(b)%size != 0 {
		return nil, fmt.Errorf("scsstore: session state: %w", wire.ErrMalformed)
	}
	var out []*sessionState
	for i := 0; i < len(b); i += size {
		st, err := decodeState(b[i : i+size])
		if err != nil {
			return nil, err
		}
		if l := st.live(); l != nil || i == 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

// decodeState decodes a state's binary form into a new object.
func decodeState(b []byte) (*sessionState, error) {
	s := &sessionState{}
	if err := s.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return s, nil
}

// appendWhole encodes a snapshot: its sealed key, so that the bytes hold
// no token, and the key's KeySum, then the fingerprints (withSums) and
// metadata.
func appendWhole(b, sealed []byte, sum uint64, snap *sessionhash.Snapshot, withSums bool) []byte {
	b = wire.Append(b, sealed)
	b = binary.LittleEndian.AppendUint64(b, sum)
	b = binary.AppendVarint(b, snap.LoadedAt)
	b = binary.AppendVarint(b, snap.Expiry)
	if withSums {
		sums := snap.Sums()
		b = binary.AppendUvarint(b, uint64(len(sums)))
		for f, sum := range sums {
			b = wire.Append(b, f)
			b = binary.LittleEndian.AppendUint64(b, sum)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(snap.Meta)))
	for name, v := range snap.Meta {
		b = wire.Append(b, name)
		b = wire.Append(b, v)
	}
	return b
}

// readWhole decodes what appendWhole wrote: the sealed key (checked, not
// opened), its KeySum and the snapshot without its key (and without
// fingerprints unless withSums).
func readWhole(r *wire.Reader, withSums bool) ([]byte, uint64, *sessionhash.Snapshot, error) {
	sealed := append([]byte(nil), r.Bytes()...)
	sum := r.Uint64()
	if len(sealed) < sealer.NonceSize()+sealer.Overhead() {
		return nil, 0, nil, fmt.Errorf("scsstore: session state: %w", wire.ErrMalformed)
	}
	snap := &sessionhash.Snapshot{LoadedAt: r.Varint(), Expiry: r.Varint()}
	if withSums {
		n := r.Count()
		fields, sums := make([][]byte, 0, n), make([]uint64, 0, n)
		for i := 0; i < n && r.Err() == nil; i++ {
			fields = append(fields, r.Bytes())
			sums = append(sums, r.Uint64())
		}
		byField := make(map[string]uint64, len(fields))
		for i, f := range wire.Strings(fields) {
			byField[f] = sums[i]
		}
		snap.SetSums(byField)
	}
	m := r.Count()
	snap.Meta = make(map[string]string, m)
	for i := 0; i < m && r.Err() == nil; i++ {
		name := r.String()
		snap.Meta[name] = r.String()
	}
	if err := r.Done(); err != nil {
		return nil, 0, nil, fmt.Errorf("scsstore: session state: %w", err)
	}
	return sealed, sum, snap, nil
}

// The key in a whole state is sealed with AES-GCM under a key that exists
// only in this process: states never leave it, and whoever sees their
// bytes learns no token.
var sealer = func() cipher.AEAD {
	var k [32]byte
	_, _ = rand.Read(k[:])
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}()

// nonces counts the seals: under a key that exists only in this process,
// a counter is a nonce that never repeats, without a system call.
var nonces atomic.Uint64

func seal(key string) []byte {
	nonce := make([]byte, sealer.NonceSize(), sealer.NonceSize()+len(key)+sealer.Overhead())
	binary.LittleEndian.PutUint64(nonce, nonces.Add(1))
	return sealer.Seal(nonce, nonce, []byte(key), nil)
}

func unseal(b []byte) (string, error) {
	if len(b) < sealer.NonceSize() {
		return "", fmt.Errorf("scsstore: session state: %w", wire.ErrMalformed)
	}
	key, err := sealer.Open(nil, b[:sealer.NonceSize()], b[sealer.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("scsstore: session state: %w", wire.ErrMalformed)
	}
	return string(key), nil
}
