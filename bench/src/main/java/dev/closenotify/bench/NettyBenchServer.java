package dev.closenotify.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The baseline users would pick: a small Netty 4.1 TLS echo server over epoll, with either
 * Netty's OpenSSL engine (netty-tcnative-boringssl-static) or the JDK's {@code SSLEngine}. It
 * answers a client's close_notify with its own and then closes, like closenotify's server.
 */
final class NettyBenchServer implements BenchServer {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;
    private final ChannelGroup open;
    private final Echo echo;

    private NettyBenchServer(EventLoopGroup boss, EventLoopGroup workers, Channel listener, ChannelGroup open,
                             Echo echo) {
        this.boss = boss;
        this.workers = workers;
        this.listener = listener;
        this.open = open;
        this.echo = echo;
    }

    static NettyBenchServer start(boolean openssl, Path keys) throws IOException, GeneralSecurityException,
            InterruptedException {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport is unavailable: " + Epoll.unavailabilityCause());
        }
        if (openssl && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("netty-tcnative is unavailable: " + OpenSsl.unavailabilityCause());
        }
        KeyStore ks = BenchKeys.load(keys);
        SslContext ssl = SslContextBuilder.forServer(BenchKeys.privateKey(ks), BenchKeys.chain(ks))
                .sslProvider(openssl ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(BenchKeys.SUITES)
                .build();
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup();
        ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        Echo echo = new Echo();
        Channel listener = new ServerBootstrap().group(boss, workers)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        open.add(ch);
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), echo);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return new NettyBenchServer(boss, workers, listener, open, echo);
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        volatile boolean stopping;
        final AtomicInteger cleanAtStop = new AtomicInteger();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslCloseCompletionEvent e) {
                // The peer's close_notify: answer with ours (SslHandler sends it on close), then FIN.
                if (e.isSuccess() && stopping) {
                    cleanAtStop.incrementAndGet();
                }
                ctx.close();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public int active() {
        return open.size();
    }

    @Override
    public Line stop(Duration grace) throws InterruptedException {
        long t0 = System.nanoTime();
        listener.close().sync();
        int atStop = open.size();
        echo.stopping = true;
        for (Channel ch : open) {
            SslHandler h = ch.pipeline().get(SslHandler.class);
            if (h != null) {
                h.closeOutbound();
            }
        }
        long deadline = t0 + grace.toNanos();
        // Netty has no "wait for every channel" primitive; the group empties as channels close.
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        int forced = open.size();
        open.close().await(5, TimeUnit.SECONDS);
        long ns = System.nanoTime() - t0;
        return Line.of("STOPPED").with("ms", String.format("%.1f", ns / 1e6)).with("open", atStop)
                .with("clean", echo.cleanAtStop.get()).with("forced", forced);
    }

    @Override
    public void close() {
        listener.close();
        open.close();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
