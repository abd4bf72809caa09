FROM python:3.11-slim
WORKDIR /app
COPY . /app
# Editable: the templates and example issues are read from /app, beside the code.
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["infolettre", "web", "--host", "0.0.0.0"]
