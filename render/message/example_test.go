package message_test

import (
	"fmt"

	"github.com/offermail/offermail/render/message"
)

func ExamplePlainText() {
	text, err := message.PlainText(`<body>
<div style="display:none">Preheader</div>
<h3>Summer sale</h3>
<p>Hello <b>Zoë</b>, shoes are 20&nbsp;% off.</p>
<p><a href="https://shop.example/summer"><img src="s.png" alt="Shop now"></a></p>
<p><a href="https://shop.example/u">https://shop.example/u</a></p>
</body>`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(text)
	// Output:
	// Summer sale
	// -----------
	//
	// Hello Zoë, shoes are 20 % off.
	//
	// Shop now (https://shop.example/summer)
	//
	// https://shop.example/u
}

func ExampleMessageID() {
	fmt.Println(message.MessageID("june-2026\x00u-1042", "Trail & Road <news@Shop.Example.com>"))
	// Output:
	// <d1ce955548905d773ed39eb30bd30ecf@shop.example.com>
}
