package send_test

import (
	"fmt"

	"github.com/offermail/offermail/send"
)

func ExampleParseURL() {
	cfg, err := send.ParseURL("smtp://mailer:s%40cret@mail.example.com:587?tls=mandatory&conns=8")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Host, cfg.Port, cfg.Username, cfg.Password, cfg.TLS, cfg.Conns)
	// Output:
	// mail.example.com 587 mailer s@cret mandatory 8
}
