package hashcodec_test

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// A hash written by another program (here: what Python's redis_session
// stores) read one field at a time with the seed's conversions.
func ExampleNewHash() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	ctx := context.Background()

	rdb.HSet(ctx, "app:sessions:42", "count", "41", "admin", "True", "name", "stefan")
	rdb.Expire(ctx, "app:sessions:42", time.Hour)

	h := hashcodec.NewHash(rdb, "app:sessions:42")
	n, err := h.Incr(ctx, "count", 1) // atomic HINCRBY, no read-modify-write race
	if err != nil {
		panic(err)
	}
	fmt.Println(n, h.Get(ctx, "admin").Bool(), h.Get(ctx, "name").String())

	missing := h.Get(ctx, "cart")
	fmt.Println(missing.IsNil(), missing.Err(), missing.Int())
	// Output:
	// 42 true stefan
	// true <nil> 0
}

// Set records the Go type next to readable text, so a typed read gets the
// exact type back and other languages still read the text.
func ExampleHash_Set() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	ctx := context.Background()

	// Sessions are created by the stores; this stands in for one.
	rdb.HSet(ctx, "sess:abc", "#created", time.Now().UnixMilli(), "#idle", (30 * time.Minute).Milliseconds())
	rdb.Expire(ctx, "sess:abc", 30*time.Minute)

	h := hashcodec.NewHash(rdb, "sess:abc")
	if err := h.Set(ctx, "visits", 7); err != nil {
		panic(err)
	}
	fmt.Println(rdb.HGet(ctx, "sess:abc", "visits").Val(), rdb.HGet(ctx, "sess:abc", "#t:visits").Val())

	v, err := h.Get(ctx, "visits").Value()
	fmt.Printf("%T %v %v\n", v, v, err)

	err = hashcodec.NewHash(rdb, "sess:gone").Set(ctx, "visits", 1)
	fmt.Println(err)
	// Output:
	// 7 int
	// int 7 <nil>
	// hashcodec: key does not exist: sess:gone
}

// The error-returning variants tell a missing field from text that does not
// parse; Err reports a failed read.
func ExampleField() {
	f := hashcodec.NewField("age", []byte("forty"), hashcodec.TypeString, true)
	_, err := f.IntE()
	fmt.Println(f.Int(), f.IsNil(), err)

	missing := hashcodec.NewField("age", nil, "", false)
	_, err = missing.IntE()
	fmt.Println(missing.Int(), missing.IsNil(), err)
	// Output:
	// 0 false field "age": hashcodec: value cannot be converted: "forty" as int: invalid syntax
	// 0 true field "age": hashcodec: field is missing
}

func ExampleEncode() {
	for _, v := range []any{"text", 42, true, 1.5, 90 * time.Second, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} {
		raw, typ, _ := hashcodec.Encode(v)
		fmt.Printf("%-8s %q\n", typ, raw)
	}
	// Output:
	//          "text"
	// int      "42"
	// bool     "true"
	// float64  "1.5"
	// duration "90000000000"
	// time     "2026-11-25T12:00:00Z"
}

// Non-string map keys, as gorilla's Values allows, get readable field names.
func ExampleMapKeyField() {
	for _, k := range []any{"user_id", "#tag", 42, true} {
		field, _ := hashcodec.MapKeyField(k)
		fmt.Println(field)
	}
	// Output:
	// user_id
	// ##tag
	// #k:int:42
	// #k:bool:true
}
