package preview

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// keepAlive is how often an idle event stream sends a comment, so that
// proxies and browsers do not drop it.
const keepAlive = 15 * time.Second

// broker tells every open page the version of the state after a reload.
// A slow page only ever misses intermediate versions, never the last one.
type broker struct {
	mu   sync.Mutex
	subs map[chan int]struct{}
}

func newBroker() *broker { return &broker{subs: map[chan int]struct{}{}} }

func (b *broker) subscribe() chan int {
	ch := make(chan int, 1)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch
}

func (b *broker) unsubscribe(ch chan int) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

// publish hands version to every subscriber, replacing a version it has
// not read yet.
func (b *broker) publish(version int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case <-ch:
		default:
		}
		ch <- version
	}
}

// count returns the number of open streams.
func (b *broker) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// handleEvents streams server-sent events: "version" with the state's
// version when the stream opens and after every reload. A page that sees a
// version it has not rendered re-renders, which also covers reconnecting
// after the server restarted.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := s.events.subscribe()
	defer s.events.unsubscribe(ch)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(version int) bool {
		s.renewWrite(w)
		_, err := fmt.Fprintf(w, "event: version\ndata: {\"version\": %d}\n\n", version)
		flusher.Flush()
		return err == nil
	}
	s.renewWrite(w)
	if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil {
		return
	}
	if !send(s.current().version) {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case v := <-ch:
			if !send(v) {
				return
			}
		case <-tick.C:
			s.renewWrite(w)
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}
