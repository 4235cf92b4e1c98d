// Package corpus generates the JSON messages of the compressed-echo and
// idle-memory measurements: realistic application events (nested objects,
// identifiers, timestamps, free text, numbers) of about 2 KiB each.
//
// The generator is deterministic: the same index always gives the same bytes,
// on every machine and every run, so that wire-size ratios can be compared
// between runs.
package corpus

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Target is the size, in bytes, that messages are grown to: a message is
// complete as soon as its encoding reaches Target, so sizes fall between
// Target and Target plus one line item (about 2.0 to 2.4 KiB).
const Target = 2048

// epoch is the first timestamp of the corpus; events follow it at irregular
// intervals.
var epoch = time.Date(2026, time.March, 9, 8, 30, 0, 0, time.UTC)

var (
	firstNames = []string{"Aiko", "Bruno", "Chen", "Dalia", "Emil", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kenji", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Umi", "Vera", "Wen", "Yusuf", "Zoe"}
	lastNames  = []string{"Sato", "Okafor", "Lindqvist", "Moreau", "Kowalski", "Haddad", "Nakamura", "Fernandes", "Novak", "Schmidt", "Ibrahim", "Rossi", "Tanaka", "Walsh", "Yilmaz", "Berg"}
	cities     = []string{"Osaka", "Lisbon", "Toronto", "Nairobi", "Krakow", "Valparaiso", "Hamburg", "Seoul", "Austin", "Lyon", "Bergen", "Porto"}
	countries  = []string{"JP", "PT", "CA", "KE", "PL", "CL", "DE", "KR", "US", "FR", "NO"}
	streets    = []string{"Maple Avenue", "Harbour Road", "Station Street", "Kirschenweg", "Rua das Flores", "Sakura-dori", "Mill Lane", "Rue Victor Hugo"}
	adjectives = []string{"wireless", "ergonomic", "compact", "organic", "stainless", "recycled", "waterproof", "handmade", "lightweight", "modular", "insulated", "foldable"}
	nouns      = []string{"keyboard", "water bottle", "backpack", "desk lamp", "notebook", "headphones", "coffee grinder", "yoga mat", "charging cable", "plant pot", "rain jacket", "tea kettle", "monitor stand"}
	words      = strings.Fields("please leave the parcel with the neighbour if nobody answers the door ring twice the gate code changed last week call before delivery fragile items inside handle with care gift wrap requested no invoice in the box deliver after six in the evening")
	statuses   = []string{"created", "paid", "packed", "shipped", "out_for_delivery", "delivered"}
	eventTypes = []string{"order.created", "order.updated", "order.paid", "order.shipped", "order.delivered"}
	currencies = []string{"EUR", "USD", "JPY", "CAD", "PLN"}
	channels   = []string{"web", "ios", "android", "pos", "partner_api"}
	carriers   = []string{"DHL", "UPS", "Yamato", "CanadaPost", "InPost", "Correos"}
)

// Event is one message: an order event as an online shop would push to a
// dashboard.
type Event struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Seq       int               `json:"seq"`
	Timestamp string            `json:"timestamp"`
	Source    Source            `json:"source"`
	Customer  Customer          `json:"customer"`
	Order     Order             `json:"order"`
	Meta      map[string]string `json:"meta"`
}

// Source says where an event came from.
type Source struct {
	Channel   string `json:"channel"`
	Region    string `json:"region"`
	RequestID string `json:"request_id"`
	Version   string `json:"version"`
}

// Customer is the buyer.
type Customer struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Locale    string   `json:"locale"`
	Loyalty   int      `json:"loyalty_points"`
	Verified  bool     `json:"verified"`
	Tags      []string `json:"tags"`
	CreatedAt string   `json:"created_at"`
}

// Order is the order the event is about.
type Order struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Currency string    `json:"currency"`
	Subtotal float64   `json:"subtotal"`
	Tax      float64   `json:"tax"`
	Total    float64   `json:"total"`
	Items    []Item    `json:"items"`
	Shipping Shipping  `json:"shipping"`
	History  []History `json:"history"`
}

// Item is an order line.
type Item struct {
	SKU      string  `json:"sku"`
	Name     string  `json:"name"`
	Quantity int     `json:"quantity"`
	Price    float64 `json:"unit_price"`
	Weight   int     `json:"weight_g"`
	Gift     bool    `json:"gift"`
}

// Shipping is the delivery part of an order.
type Shipping struct {
	Carrier  string  `json:"carrier"`
	Tracking string  `json:"tracking"`
	Address  Address `json:"address"`
	Note     string  `json:"note"`
	ETA      string  `json:"eta"`
}

// Address is a postal address with coordinates.
type Address struct {
	Line1   string  `json:"line1"`
	City    string  `json:"city"`
	Postal  string  `json:"postal_code"`
	Country string  `json:"country"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
}

// History is one status change of an order.
type History struct {
	Status string `json:"status"`
	At     string `json:"at"`
	By     string `json:"by"`
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func hexID(r *rand.Rand, prefix string, n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteByte(digits[r.IntN(16)])
	}
	return b.String()
}

func money(r *rand.Rand, lo, hi float64) float64 {
	cents := int(lo*100) + r.IntN(int((hi-lo)*100))
	return float64(cents) / 100
}

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = pick(r, words)
	}
	return strings.Join(w, " ")
}

// Message returns message i of the corpus, JSON-encoded.
func Message(i int) []byte {
	r := rand.New(rand.NewPCG(0x5eed, uint64(i)))
	at := epoch.Add(time.Duration(i)*1700*time.Millisecond + time.Duration(r.IntN(1000))*time.Millisecond)
	first, last := pick(r, firstNames), pick(r, lastNames)
	ev := Event{
		ID:        hexID(r, "evt_", 24),
		Type:      pick(r, eventTypes),
		Seq:       100000 + i,
		Timestamp: at.Format(time.RFC3339Nano),
		Source: Source{
			Channel:   pick(r, channels),
			Region:    pick(r, []string{"eu-west-1", "us-east-2", "ap-northeast-1"}),
			RequestID: hexID(r, "req_", 32),
			Version:   fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(3), 1+r.IntN(28)),
		},
		Customer: Customer{
			ID:        hexID(r, "cus_", 16),
			Name:      first + " " + last,
			Email:     strings.ToLower(first+"."+last) + fmt.Sprintf("%d@example.com", r.IntN(100)),
			Locale:    pick(r, []string{"en-GB", "ja-JP", "pt-PT", "de-DE", "fr-FR", "pl-PL"}),
			Loyalty:   r.IntN(25000),
			Verified:  r.IntN(4) != 0,
			Tags:      []string{pick(r, []string{"vip", "new", "returning", "wholesale"}), pick(r, []string{"newsletter", "sms", "app"})},
			CreatedAt: epoch.Add(-time.Duration(r.IntN(900*24)) * time.Hour).Format(time.RFC3339),
		},
		Order: Order{
			ID:       hexID(r, "ord_", 20),
			Status:   pick(r, statuses),
			Currency: pick(r, currencies),
			Shipping: Shipping{
				Carrier:  pick(r, carriers),
				Tracking: strings.ToUpper(hexID(r, "", 18)),
				Address: Address{
					Line1:   fmt.Sprintf("%d %s", 1+r.IntN(250), pick(r, streets)),
					City:    pick(r, cities),
					Postal:  fmt.Sprintf("%05d", r.IntN(100000)),
					Country: pick(r, countries),
					Lat:     float64(r.IntN(180_000_000)-90_000_000) / 1e6,
					Lon:     float64(r.IntN(360_000_000)-180_000_000) / 1e6,
				},
				Note: sentence(r, 6+r.IntN(10)),
				ETA:  at.Add(time.Duration(24+r.IntN(96)) * time.Hour).Format(time.RFC3339),
			},
		},
		Meta: map[string]string{
			"ab_bucket":  pick(r, []string{"control", "variant_a", "variant_b"}),
			"user_agent": pick(r, []string{"Mozilla/5.0 (X11; Linux x86_64)", "ShopApp/7.3.1 (iOS 19.2)", "ShopApp/7.3.0 (Android 16)"}),
			"trace_id":   hexID(r, "", 32),
		},
	}
	// The status history walks forward to the event's own time.
	steps := 1 + r.IntN(len(statuses))
	step := at.Add(-time.Duration(steps*(40+r.IntN(300))) * time.Minute)
	for s := range steps {
		step = step.Add(time.Duration(1+r.IntN(40)) * time.Minute)
		ev.Order.History = append(ev.Order.History, History{
			Status: statuses[s],
			At:     step.Format(time.RFC3339),
			By:     pick(r, []string{"system", "warehouse", "carrier", "support"}),
		})
	}
	for {
		it := Item{
			SKU:      fmt.Sprintf("SKU-%s-%04d", strings.ToUpper(hexID(r, "", 4)), r.IntN(10000)),
			Name:     pick(r, adjectives) + " " + pick(r, nouns),
			Quantity: 1 + r.IntN(4),
			Price:    money(r, 2, 350),
			Weight:   50 + r.IntN(4000),
			Gift:     r.IntN(8) == 0,
		}
		ev.Order.Items = append(ev.Order.Items, it)
		ev.Order.Subtotal += float64(it.Quantity) * it.Price
		ev.Order.Subtotal = float64(int(ev.Order.Subtotal*100+0.5)) / 100
		ev.Order.Tax = float64(int(ev.Order.Subtotal*19+0.5)) / 100
		ev.Order.Total = float64(int((ev.Order.Subtotal+ev.Order.Tax)*100+0.5)) / 100
		b, err := json.Marshal(ev)
		if err != nil {
			panic(err) // the types above always encode
		}
		if len(b) >= Target {
			return b
		}
	}
}

// Messages returns messages 0 to n-1.
func Messages(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = Message(i)
	}
	return out
}
