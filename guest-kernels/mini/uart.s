; uart.s - console output through the UART's port interface: poll STATUS for transmit-ready, write DATA.

.text
; uart_putc(r1 = byte). Clobbers r2.
uart_putc:
    in r2, PORT_UART_STATUS
    test r2, UART_STATUS_TX
    jz uart_putc
    out PORT_UART_DATA, r1
    ret
