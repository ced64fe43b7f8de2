# The web app (consent page + account page) as a container: only dist/web.js goes in.
# Build it first with `npm ci && npm run build`, then `docker build -t account-linking-web .`. See docs/hosting.md.
FROM node:22-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --chown=node:node dist/web.js ./web.js
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains requests under way (up to 15 s) and exits 0: keep the platform's stop timeout above that.
STOPSIGNAL SIGTERM
CMD ["node", "web.js"]
