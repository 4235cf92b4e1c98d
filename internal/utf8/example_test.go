package utf8_test

import (
	"fmt"

	"github.com/hayate-ws/websocket/internal/utf8"
)

// A text message arrives in frames that split characters anywhere. The
// validator answers for each frame, and fails on the frame holding the first
// bad byte, before the rest of the message is read.
func Example() {
	var v utf8.Validator
	frames := []string{"κό", "σ\xce", "\xbcε"} // "κόσμε", with μ split in two
	for _, f := range frames {
		fmt.Println(v.Feed([]byte(f)))
	}
	fmt.Println("complete:", v.Complete())

	v.Reset()
	frames = []string{"κόσμε\xed", "\xa0\x80edited"} // ED A0 starts a UTF-16 surrogate
	for _, f := range frames {
		if !v.Feed([]byte(f)) {
			fmt.Println("invalid: close with status 1007")
			break
		}
		fmt.Println("possibly valid so far")
	}
	// Output:
	// true
	// true
	// true
	// complete: true
	// possibly valid so far
	// invalid: close with status 1007
}

func ExampleValidator_Complete() {
	var v utf8.Validator
	fmt.Println(v.Feed([]byte("price: 5\xe2\x82")), v.Complete()) // € cut short
	fmt.Println(v.Feed([]byte("\xac")), v.Complete())
	// Output:
	// true false
	// true true
}

func ExampleValid() {
	fmt.Println(utf8.Valid([]byte("日本語")))
	fmt.Println(utf8.Valid([]byte("\xc0\xaf"))) // overlong "/"
	fmt.Println(utf8.Valid([]byte("\xf0\x9f"))) // truncated
	// Output:
	// true
	// false
	// false
}
