package deflate

import (
	"encoding/json"
	"fmt"
	"go/build"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Test inputs: a deterministic corpus of JSON messages of about 2 KiB, the
// common payload of WebSocket applications, and prose.

var corpusWords = strings.Fields(`the of and to in is you that it he was for on are as with his they at be
this have from or one had by word but not what all were we when your can said there use an each which
she do how their if will up other about out many then them these so some her would make like him into
time has look two more write go see number no way could people my than first water been call who oil
its now find long down day did get come made may part order price market limit filled cancelled
pending shipped delivered review great fast slow broken works perfect again never always`)

var corpusNames = []string{"Aiko", "Bruno", "Chen", "Dalia", "Emeka", "Freya", "Goran", "Hana", "Ivo",
	"Jun", "Kalani", "Lena", "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rafael", "Sora", "Tomasz"}

var corpusSymbols = []string{"BTC-USD", "ETH-USD", "SOL-USD", "EUR-USD", "USD-JPY", "AAPL", "MSFT", "NVDA"}

type jsonUser struct {
	ID       int      `json:"id"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Online   bool     `json:"online"`
	Roles    []string `json:"roles"`
	LastSeen string   `json:"last_seen"`
}

type jsonTrade struct {
	TradeID  int64   `json:"trade_id"`
	Symbol   string  `json:"symbol"`
	Side     string  `json:"side"`
	Price    float64 `json:"price"`
	Quantity float64 `json:"quantity"`
	Time     string  `json:"time"`
}

type jsonChat struct {
	MessageID string   `json:"message_id"`
	Channel   string   `json:"channel"`
	Author    jsonUser `json:"author"`
	Text      string   `json:"text"`
	Reactions []string `json:"reactions,omitempty"`
	Edited    bool     `json:"edited"`
}

type jsonEnvelope struct {
	Type     string `json:"type"`
	Seq      int    `json:"seq"`
	Time     string `json:"time"`
	Session  string `json:"session"`
	Payload  any    `json:"payload"`
	Checksum string `json:"checksum"`
}

// jsonMessages returns n deterministic JSON messages of about 2 KiB each: a
// mix of trade batches, chat messages and presence lists in one envelope,
// as an application would send over one connection.
func jsonMessages(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	session := fmt.Sprintf("%016x", r.Uint64())
	words := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = corpusWords[r.IntN(len(corpusWords))]
		}
		return strings.Join(w, " ")
	}
	user := func(at time.Time) jsonUser {
		name := corpusNames[r.IntN(len(corpusNames))]
		roles := []string{"member"}
		if r.IntN(4) == 0 {
			roles = append(roles, "moderator")
		}
		return jsonUser{
			ID:       1000 + r.IntN(9000),
			Name:     name,
			Email:    strings.ToLower(name) + fmt.Sprintf("%d@example.com", r.IntN(100)),
			Online:   r.IntN(3) != 0,
			Roles:    roles,
			LastSeen: at.Add(-time.Duration(r.IntN(3600)) * time.Second).Format(time.RFC3339),
		}
	}
	msgs := make([][]byte, n)
	for i := range msgs {
		at := t0.Add(time.Duration(i) * 137 * time.Millisecond)
		env := jsonEnvelope{Seq: i + 1, Time: at.Format(time.RFC3339Nano), Session: session}
		switch i % 3 {
		case 0:
			env.Type = "trades"
			trades := make([]jsonTrade, 16)
			for k := range trades {
				side := "buy"
				if r.IntN(2) == 0 {
					side = "sell"
				}
				trades[k] = jsonTrade{
					TradeID:  int64(50_000_000 + i*20 + k),
					Symbol:   corpusSymbols[r.IntN(len(corpusSymbols))],
					Side:     side,
					Price:    float64(r.IntN(10_000_000)) / 100,
					Quantity: float64(r.IntN(100_000)) / 1000,
					Time:     at.Add(time.Duration(k) * time.Millisecond).Format(time.RFC3339Nano),
				}
			}
			env.Payload = trades
		case 1:
			env.Type = "chat"
			chats := make([]jsonChat, 6)
			for k := range chats {
				var reactions []string
				for range r.IntN(4) {
					reactions = append(reactions, []string{"+1", "heart", "laugh", "eyes"}[r.IntN(4)])
				}
				chats[k] = jsonChat{
					MessageID: fmt.Sprintf("m%08x", r.Uint32()),
					Channel:   "#" + corpusWords[r.IntN(40)],
					Author:    user(at),
					Text:      words(8 + r.IntN(20)),
					Reactions: reactions,
					Edited:    r.IntN(5) == 0,
				}
			}
			env.Payload = chats
		default:
			env.Type = "presence"
			users := make([]jsonUser, 13)
			for k := range users {
				users[k] = user(at)
			}
			env.Payload = users
		}
		env.Checksum = fmt.Sprintf("%08x", r.Uint32())
		b, err := json.Marshal(env)
		if err != nil {
			panic(err)
		}
		msgs[i] = b
	}
	return msgs
}

var textOnce = sync.OnceValue(func() []byte {
	// A real text when the Go tree has it, else generated prose.
	b, err := os.ReadFile(filepath.Join(build.Default.GOROOT, "src", "testdata", "Isaac.Newton-Opticks.txt"))
	if err == nil && len(b) > 64<<10 {
		return b
	}
	r := rand.New(rand.NewPCG(7, 7))
	var sb strings.Builder
	for sb.Len() < 600<<10 {
		k := 5 + r.IntN(15)
		for i := range k {
			w := corpusWords[min(r.IntN(len(corpusWords)), r.IntN(len(corpusWords)))]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			sb.WriteString(w)
			if i < k-1 {
				sb.WriteByte(' ')
			}
		}
		sb.WriteString(". ")
		if r.IntN(6) == 0 {
			sb.WriteString("\n\n")
		}
	}
	return []byte(sb.String())
})

// text returns n bytes of prose, repeating the source if needed.
func text(n int) []byte {
	src := textOnce()
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, src[:min(len(src), n-len(out))]...)
	}
	return out
}

// randomBytes returns n pseudo-random (incompressible) bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
