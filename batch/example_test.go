package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/offermail/offermail/batch"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide/capstore"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// A campaign run from Go: recipients from memory, a memory store, and a
// sink of one function. A real pipeline would give a recipients.Reader, a
// bbolt or Redis store from capstore, and batch.SMTP or its own sink.
func ExampleRunner() {
	p, err := campaign.Load("../templates/library")
	if err != nil {
		fmt.Println(err)
		return
	}
	tpl, err := p.LoadTemplate("../templates/newsletter.hbs")
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)

	people := []*recipients.Record{
		{ID: "u-1", Email: "maya@example.com", Profile: map[string]any{"firstName": "Maya", "age": 34.0,
			"loyalty": map[string]any{"tier": "gold"}, "interests": []any{"running"}}},
		{ID: "u-2", Email: "liam@example.com", Profile: map[string]any{"firstName": "Liam", "age": 27.0}},
	}
	var mu sync.Mutex
	var sent []string
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	r := &batch.Runner{
		Project: p, Template: tpl, Campaign: render.Campaign{ID: "winter-2026"}, At: at,
		Source: batch.Records(slices.Values(people)),
		Store:  capstore.NewMemory(),
		Sink: batch.SinkFunc(func(_ context.Context, m *batch.Message) error {
			msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, m.To+": "+msg.Header.Get("Subject"))
			return nil
		}),
		Clock: func() time.Time { return at },
		Dir:   dir,
	}
	rep, err := r.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	sort.Strings(sent)
	for _, s := range sent {
		fmt.Println(s)
	}
	fmt.Printf("decided %d, sent %d, rejected %d\n", rep.Totals.Decided, rep.Totals.Sent, rep.Totals.Rejected)
	fmt.Println("hero:", rep.Placements[0].Offers)

	// Output:
	// liam@example.com: Liam, the winter sale is on
	// maya@example.com: Maya, the winter sale is on
	// decided 2, sent 2, rejected 0
	// hero: map[gold-double-points:1 new-member-welcome:1]
}
