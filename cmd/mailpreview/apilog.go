package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// apiLogFlush is how long `mailpreview api` holds log lines before writing
// them: a line per request written at once cost a system call each, about
// a twentieth of a counted decision's CPU under load. A process killed
// with SIGKILL loses at most this much of its log; SIGTERM and errors
// flush it.
const apiLogFlush = 100 * time.Millisecond

// logWriter buffers what slog writes (one whole line per Write) and writes
// it every apiLogFlush, and on Close.
type logWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogWriter(w io.Writer, every time.Duration) *logWriter {
	l := &logWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.flush()
			case <-l.stop:
				l.flush()
				return
			}
		}
	}()
	return l
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *logWriter) flush() {
	l.mu.Lock()
	l.w.Flush()
	l.mu.Unlock()
}

// Close writes what is held and stops the flushing.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	return nil
}
