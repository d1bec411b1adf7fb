package batch

import (
	"fmt"
	"io"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws a bar on a terminal: how far into the recipients file
// the run is (bytes, since the number of records is not known without
// reading it twice), the recipients finished, their rate and the ETA.
type progress struct {
	p    *mpb.Progress
	bar  *mpb.Bar
	quit chan struct{}
	done chan struct{}
}

// startProgress shows a bar on w, or nothing when w is nil. earlier is
// what interrupted attempts finished, shown but not counted in the rate.
func startProgress(w io.Writer, src *source, counts *attemptCounts, earlier int64, started time.Time) *progress {
	if w == nil {
		return nil
	}
	pr := &progress{quit: make(chan struct{}), done: make(chan struct{})}
	pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(48), mpb.WithRefreshRate(150*time.Millisecond))
	status := decor.Any(func(decor.Statistics) string {
		n := counts.done.Load()
		rate := 0.0
		if d := time.Since(started).Seconds(); d > 0 {
			rate = float64(n) / d
		}
		s := fmt.Sprintf("%d done", earlier+n)
		if rej := counts.rejected.Load(); rej > 0 {
			s += fmt.Sprintf(", %d rejected", rej)
		}
		return s + fmt.Sprintf(", %.0f/s", rate)
	}, decor.WCSyncSpaceR)
	if src.size > 0 {
		pr.bar = pr.p.AddBar(src.size,
			mpb.PrependDecorators(decor.Name("batch "), decor.Percentage(decor.WCSyncSpace)),
			mpb.AppendDecorators(status, decor.Name(" ETA "), decor.EwmaETA(decor.ET_STYLE_GO, 30)),
		)
	} else {
		pr.bar = pr.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(decor.Name("batch "), status))
	}
	go func() {
		defer close(pr.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-pr.quit:
				return
			case now := <-tick.C:
				if src.size > 0 {
					// The bar must not complete before the run does.
					pr.bar.EwmaSetCurrent(min(src.pos.Load(), src.size-1), now.Sub(last))
				}
				last = now
			}
		}
	}()
	return pr
}

// stop completes the bar (ok) or leaves it where the run stopped.
func (pr *progress) stop(ok bool) {
	if pr == nil {
		return
	}
	close(pr.quit)
	<-pr.done
	if ok {
		pr.bar.SetTotal(-1, true)
	} else {
		pr.bar.Abort(false)
	}
	pr.p.Wait()
}
