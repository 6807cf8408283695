package dev.feedloop.serving.api;

import dev.feedloop.serving.chat.ClientDisconnect;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.GenericFutureListener;

/**
 * A request's client disconnect, read from its Netty channel: Micronaut does not cancel a blocking
 * controller when the connection closes (it only notices when it writes the answer), but the
 * channel's close future completes as soon as Netty sees the connection end.
 */
final class ConnectionClose {

  private ConnectionClose() {}

  static ClientDisconnect of(HttpRequest<?> request) {
    if (!(request instanceof NettyHttpRequest<?> netty)) {
      return ClientDisconnect.NEVER;
    }
    Channel channel = netty.getChannelHandlerContext().channel();
    return action -> {
      ChannelFuture closed = channel.closeFuture();
      GenericFutureListener<ChannelFuture> listener = future -> action.run();
      closed.addListener(listener);
      // keep-alive connections carry many requests: forget this one's listener once it is answered
      return () -> closed.removeListener(listener);
    };
  }
}
